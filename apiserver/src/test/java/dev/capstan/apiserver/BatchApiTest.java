package dev.capstan.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.batch.v1.CronJob;
import dev.capstan.api.batch.v1.CronJobStatus;
import dev.capstan.api.batch.v1.Job;
import dev.capstan.api.batch.v1.JobSpec;
import dev.capstan.api.batch.v1.JobStatus;
import dev.capstan.api.meta.v1.LabelSelector;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.manifest.ManifestCodec;
import dev.capstan.store.local.LocalKeyValueStore;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * batch/v1 Jobs and CronJobs over gRPC on a real in-process store: Kubernetes manifests apply
 * unchanged, defaults and the generated selector are filled in, bad specs are INVALID_ARGUMENT
 * naming the field.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BatchApiTest {
  private static final ManifestCodec CODEC = new ManifestCodec();
  private static final String JOB = """
      apiVersion: batch/v1
      kind: Job
      metadata:
        name: pi
        namespace: default
      spec:
        backoffLimit: 4
        template:
          spec:
            containers:
            - name: pi
              image: perl:5.34.0
              command: ["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"]
            restartPolicy: Never
      """;
  private static final String CRON_JOB = """
      apiVersion: batch/v1
      kind: CronJob
      metadata:
        name: hello
        namespace: default
      spec:
        schedule: "*/5 9-17 * * MON-FRI"
        timeZone: Europe/Berlin
        concurrencyPolicy: Forbid
        jobTemplate:
          spec:
            template:
              spec:
                containers:
                - name: hello
                  image: busybox:1.28
                  command: [/bin/sh, -c, date; echo Hello]
                restartPolicy: OnFailure
      """;

  private LocalKeyValueStore store;
  private ApiServer server;
  private CapstanClient client;

  @BeforeAll
  void start() {
    store = new LocalKeyValueStore();
    server = ApiServer.start(store, 0);
    client = CapstanClient.connect("127.0.0.1:" + server.port());
  }

  @AfterAll
  void stop() {
    client.close();
    server.close();
    store.close();
  }

  private static <T> T decode(String yaml, Class<T> type) {
    return type.cast(CODEC.decode(yaml).get(0));
  }

  private static StatusRuntimeException failure(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e;
    }
    throw new AssertionError("the call succeeded");
  }

  private Job jobNamed(String name) {
    Job job = decode(JOB, Job.class);
    return job.toBuilder().setMetadata(job.getMetadata().toBuilder().setName(name)).build();
  }

  @Test
  void aKubernetesJobManifestGetsDefaultsAndAGeneratedSelector() {
    Job created = client.jobs().create(decode(JOB, Job.class).toBuilder()
        .setStatus(JobStatus.newBuilder().setSucceeded(9)).build());

    String uid = created.getMetadata().getUid();
    JobSpec spec = created.getSpec();
    assertThat(spec.getBackoffLimit()).isEqualTo(4);
    assertThat(spec.getCompletions()).isEqualTo(1);
    assertThat(spec.getParallelism()).isEqualTo(1);
    assertThat(spec.getSelector().getMatchLabelsMap()).containsExactly(
        java.util.Map.entry("batch.kubernetes.io/controller-uid", uid));
    assertThat(spec.getTemplate().getMetadata().getLabelsMap())
        .containsEntry("batch.kubernetes.io/controller-uid", uid).containsEntry("controller-uid", uid)
        .containsEntry("batch.kubernetes.io/job-name", "pi").containsEntry("job-name", "pi");
    assertThat(created.getStatus()).as("status is the controller's").isEqualTo(JobStatus.getDefaultInstance());

    // Re-applying the manifest (no selector) keeps the generated selector: unchanged, not a selector change.
    Job reapplied = client.jobs().update(decode(JOB, Job.class));
    assertThat(reapplied.getSpec()).isEqualTo(spec);
    assertThat(reapplied.getMetadata().getGeneration()).isEqualTo(1);

    Job retemplated = decode(JOB, Job.class);
    JobSpec.Builder changed = retemplated.getSpec().toBuilder();
    changed.getTemplateBuilder().getSpecBuilder().getContainersBuilder(0).setImage("perl:5.36");
    StatusRuntimeException e = failure(() -> client.jobs().update(retemplated.toBuilder().setSpec(changed).build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).contains("spec.template: field is immutable");
  }

  @Test
  void aJobNeedsRestartPolicyNeverOrOnFailure() {
    Job job = jobNamed("always");
    JobSpec.Builder spec = job.getSpec().toBuilder();
    spec.getTemplateBuilder().getSpecBuilder().clearRestartPolicy();
    StatusRuntimeException e = failure(() -> client.jobs().create(job.toBuilder().setSpec(spec).build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).isEqualTo("Job.batch \"always\" is invalid: "
        + "spec.template.spec.restartPolicy: unsupported value \"Always\": supported values: \"OnFailure\", \"Never\"");
  }

  @Test
  void aSelectorOfOnesOwnIsNarrowedToTheJobUnlessManual() {
    Job job = jobNamed("picky");
    JobSpec.Builder spec = job.getSpec().toBuilder()
        .setSelector(LabelSelector.newBuilder().putMatchLabels("app", "pi"));
    spec.getTemplateBuilder().getMetadataBuilder().putLabels("app", "pi");
    Job narrowed = client.jobs().create(job.toBuilder().setSpec(spec).build());
    assertThat(narrowed.getSpec().getSelector().getMatchLabelsMap()).containsOnlyKeys("app",
        "batch.kubernetes.io/controller-uid");

    JobSpec.Builder foreign = spec.clone();
    foreign.getSelectorBuilder().putMatchLabels("batch.kubernetes.io/controller-uid", "someone-else");
    Job other = jobNamed("foreign");
    StatusRuntimeException e = failure(() -> client.jobs().create(other.toBuilder().setSpec(foreign).build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).contains("spec.selector: `selector` not auto-generated");

    Job manualJob = jobNamed("manual");
    Job manual = client.jobs().create(manualJob.toBuilder().setSpec(spec.setManualSelector(true)).build());
    assertThat(manual.getSpec().getSelector().getMatchLabelsMap()).containsOnlyKeys("app");
  }

  @Test
  void aKubernetesCronJobManifestGetsDefaults() {
    CronJob created = client.cronJobs().create(decode(CRON_JOB, CronJob.class).toBuilder()
        .setStatus(CronJobStatus.newBuilder().setLastScheduleTime(com.google.protobuf.Timestamp.newBuilder()
            .setSeconds(1))).build());
    assertThat(created.getSpec().getConcurrencyPolicy()).isEqualTo("Forbid");
    assertThat(created.getSpec().getSuspend()).isFalse();
    assertThat(created.getSpec().getSuccessfulJobsHistoryLimit()).isEqualTo(3);
    assertThat(created.getSpec().getFailedJobsHistoryLimit()).isEqualTo(1);
    assertThat(created.getSpec().getJobTemplate().getSpec().getBackoffLimit()).isEqualTo(6);
    assertThat(created.getStatus()).isEqualTo(CronJobStatus.getDefaultInstance());
  }

  @Test
  void aBadScheduleIsInvalidNamingSpecSchedule() {
    CronJob cronJob = decode(CRON_JOB, CronJob.class);
    CronJob bad = cronJob.toBuilder().setMetadata(cronJob.getMetadata().toBuilder().setName("bad"))
        .setSpec(cronJob.getSpec().toBuilder().setSchedule("*/5 25 * * *")).build();
    StatusRuntimeException e = failure(() -> client.cronJobs().create(bad));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).isEqualTo("CronJob.batch \"bad\" is invalid: "
        + "spec.schedule: invalid value \"*/5 25 * * *\": hour field \"25\": 25 is out of range 0-23");

    CronJob badZone = bad.toBuilder().setSpec(cronJob.getSpec().toBuilder().setTimeZone("Mars/Olympus")
        .setConcurrencyPolicy("Sometimes")).build();
    e = failure(() -> client.cronJobs().create(badZone));
    assertThat(e.getStatus().getDescription()).contains("spec.timeZone: invalid value \"Mars/Olympus\"")
        .contains("spec.concurrencyPolicy: unsupported value \"Sometimes\"");
  }
}
