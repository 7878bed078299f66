// A Capstan API client in JavaScript, using only the .proto files and @grpc/grpc-js: what any
// language's gRPC client needs to use the API. JavaScriptClientTest runs it against a real
// apiserver; it prints one line per check and exits non-zero on the first failure.
//
// Environment:
//   CAPSTAN_SERVER     host:port of the apiserver
//   CAPSTAN_TOKEN      bearer token of a user bound to a Role in CAPSTAN_NAMESPACE only
//   CAPSTAN_NAMESPACE  the namespace that Role grants create/get/list/watch on pods in
//   CAPSTAN_PROTO_DIR  the folder holding capstan/**/*.proto (proto/src/main/proto)
'use strict';

const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

function env(name) {
  const v = process.env[name];
  if (!v) {
    throw new Error(`environment variable ${name} is required`);
  }
  return v;
}

const server = env('CAPSTAN_SERVER');
const token = env('CAPSTAN_TOKEN');
const namespace = env('CAPSTAN_NAMESPACE');
const protoDir = env('CAPSTAN_PROTO_DIR');
const deadlineMs = 15000;

const definition = protoLoader.loadSync(path.join(protoDir, 'capstan/core/v1/core.proto'), {
  includeDirs: [protoDir],
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
const core = grpc.loadPackageDefinition(definition).capstan.core.v1;
const pods = new core.Pods(server, grpc.credentials.createInsecure());

function withToken(t) {
  const md = new grpc.Metadata();
  if (t) {
    md.add('authorization', `Bearer ${t}`);
  }
  return md;
}

function unary(method, request, t) {
  return new Promise((resolve, reject) => {
    pods[method](request, withToken(t), { deadline: Date.now() + deadlineMs }, (err, resp) => {
      if (err) {
        reject(err);
      } else {
        resolve(resp);
      }
    });
  });
}

async function expectFailure(what, code, promise, messageParts = []) {
  try {
    await promise;
  } catch (err) {
    if (err.code !== code) {
      throw new Error(`${what}: expected status ${code}, got ${err.code} (${err.details})`);
    }
    for (const part of messageParts) {
      if (!String(err.details).includes(part)) {
        throw new Error(`${what}: the message "${err.details}" does not mention ${part}`);
      }
    }
    console.log(`ok ${what}: ${grpc.status[err.code]}: ${err.details}`);
    return;
  }
  throw new Error(`${what}: expected status ${code}, but the call succeeded`);
}

function watchUntil(predicate) {
  const call = pods.watch({ namespace }, withToken(token));
  const events = [];
  const done = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      call.cancel();
      reject(new Error(`no matching watch event in ${deadlineMs} ms; saw ${JSON.stringify(events)}`));
    }, deadlineMs);
    call.on('data', (event) => {
      events.push(`${event.type} ${event.object && event.object.metadata ? event.object.metadata.name : ''}`);
      if (predicate(event)) {
        clearTimeout(timer);
        resolve(event);
        call.cancel();
      }
    });
    call.on('error', (err) => {
      if (err.code !== grpc.status.CANCELLED) {
        clearTimeout(timer);
        reject(err);
      }
    });
  });
  return done;
}

async function main() {
  await expectFailure('list without a token', grpc.status.UNAUTHENTICATED,
    unary('list', { namespace }, null));
  await expectFailure('list with an unknown token', grpc.status.UNAUTHENTICATED,
    unary('list', { namespace }, 'not-a-token'));

  const name = `js-pod-${process.pid}`;
  const added = watchUntil((e) => e.type === 'ADDED' && e.object.metadata.name === name);
  const created = await unary('create', {
    metadata: { name, namespace, labels: { client: 'grpc-js' } },
    spec: { containers: [{ name: 'main', image: 'busybox:1.36', command: ['sleep', '60'] }] },
  }, token);
  if (created.metadata.name !== name || !created.metadata.uid || created.status.phase !== 'Pending') {
    throw new Error(`create returned an unexpected pod: ${JSON.stringify(created.metadata)}`);
  }
  console.log(`ok create pod ${namespace}/${name}: uid ${created.metadata.uid}, resourceVersion ${created.metadata.resourceVersion}`);

  const list = await unary('list', { namespace }, token);
  const listed = list.items.map((p) => p.metadata.name);
  if (!listed.includes(name)) {
    throw new Error(`list did not return ${name}: ${listed}`);
  }
  console.log(`ok list pods in ${namespace}: ${listed.join(', ')} at resourceVersion ${list.metadata.resourceVersion}`);

  const event = await added;
  console.log(`ok watch event ${event.type} ${event.object.metadata.name}`);

  await expectFailure('list pods in another namespace', grpc.status.PERMISSION_DENIED,
    unary('list', { namespace: 'default' }, token), ['User "', 'cannot list resource "pods"', '"default"']);
  await expectFailure('create a pod in another namespace', grpc.status.PERMISSION_DENIED,
    unary('create', {
      metadata: { name, namespace: 'default' },
      spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] },
    }, token), ['cannot create resource "pods"']);
  console.log('all checks passed');
}

main().then(() => {
  pods.close();
  process.exit(0);
}, (err) => {
  console.error(`FAILED: ${err.message}`);
  pods.close();
  process.exit(1);
});
