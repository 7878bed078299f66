package dev.capstan.controllers;

import dev.capstan.api.apps.v1.DaemonSet;
import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.ReplicaSet;
import dev.capstan.api.apps.v1.StatefulSet;
import dev.capstan.api.coordination.v1.Lease;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.batch.v1.CronJob;
import dev.capstan.api.batch.v1.Job;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.Kinds;
import dev.capstan.client.events.EventRecorder;
import dev.capstan.client.informer.SharedInformer;
import dev.capstan.controllers.daemonset.DaemonSetController;
import dev.capstan.controllers.cronjob.CronJobController;
import dev.capstan.controllers.deployment.DeploymentController;
import dev.capstan.controllers.endpoints.EndpointsController;
import dev.capstan.controllers.framework.Controller;
import dev.capstan.controllers.framework.ControllerMetrics;
import dev.capstan.controllers.framework.SharedInformerFactory;
import dev.capstan.controllers.gc.GarbageCollector;
import dev.capstan.controllers.job.JobController;
import dev.capstan.controllers.nodelifecycle.NodeLifecycleController;
import dev.capstan.controllers.podgc.PodGarbageCollector;
import dev.capstan.controllers.replicaset.ReplicaSetController;
import dev.capstan.controllers.statefulset.StatefulSetController;
import dev.capstan.controllers.resourcequota.ResourceQuotaController;
import dev.capstan.controllers.serviceaccount.RootCaPublisher;
import dev.capstan.controllers.serviceaccount.ServiceAccountController;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs Capstan's controllers in one process, as kube-controller-manager does: the Deployment,
 * ReplicaSet, DaemonSet, StatefulSet, Job, CronJob and Endpoints controllers, the node lifecycle
 * controller, the garbage collector, the pod garbage collector, the ServiceAccount controller (a {@code default} ServiceAccount
 * per namespace) and the ResourceQuota controller (quota usage), fed by one shared informer per kind.
 *
 * <p>{@link #start} creates the informers and controllers (which register their handlers), starts
 * the informers, waits until every cache holds its first list, then starts each controller's
 * workers; {@link #close} stops workers, then informers. Leader election is the caller's: start the
 * manager when elected and close it when leadership is lost. One instance runs once; the
 * {@link ControllerMetrics} outlive it, so the next manager in the process reports into them.
 */
public final class ControllerManager implements AutoCloseable {
  public static final int DEFAULT_WORKERS = 2;
  public static final Duration DEFAULT_CACHE_SYNC_TIMEOUT = Duration.ofSeconds(60);
  /** Every object is reconciled again this often even without events, a safety net for missed ones. */
  public static final Duration DEFAULT_RESYNC_PERIOD = Duration.ofMinutes(10);

  private static final Logger log = LoggerFactory.getLogger(ControllerManager.class);

  private final CapstanClient client;
  private final Clock clock;
  private final int workers;
  private final Duration cacheSyncTimeout;
  private final Duration resyncPeriod;
  private final ControllerMetrics metrics;
  private final ControllerOptions options;
  private final List<Controller> controllers = new ArrayList<>();
  private final List<EventRecorder> recorders = new ArrayList<>();
  private SharedInformerFactory informers;
  private boolean started;
  private boolean closed;

  public ControllerManager(CapstanClient client, Clock clock, ControllerMetrics metrics) {
    this(client, clock, DEFAULT_WORKERS, DEFAULT_CACHE_SYNC_TIMEOUT, DEFAULT_RESYNC_PERIOD, metrics);
  }

  /**
   * @param workers worker threads per controller
   * @param cacheSyncTimeout how long {@link #start} waits for the informers' first lists
   * @param resyncPeriod how often informers re-deliver every object; ZERO = never
   * @param metrics where the controllers' work queues and syncs are counted
   */
  public ControllerManager(CapstanClient client, Clock clock, int workers, Duration cacheSyncTimeout,
      Duration resyncPeriod, ControllerMetrics metrics) {
    this(client, clock, workers, cacheSyncTimeout, resyncPeriod, ControllerOptions.defaults(), metrics);
  }

  /**
   * @param nodeMonitorGracePeriod how long a node's agent may be silent (no Lease renewal, no
   *     status) before the node lifecycle controller marks the node Unknown and taints it
   */
  public ControllerManager(CapstanClient client, Clock clock, int workers, Duration cacheSyncTimeout,
      Duration resyncPeriod, Duration nodeMonitorGracePeriod, ControllerMetrics metrics) {
    this(client, clock, workers, cacheSyncTimeout, resyncPeriod,
        ControllerOptions.defaults().withNodeMonitorGracePeriod(nodeMonitorGracePeriod), metrics);
  }

  /** @param options the settings an operator may change (the controller manager's flags) */
  public ControllerManager(CapstanClient client, Clock clock, int workers, Duration cacheSyncTimeout,
      Duration resyncPeriod, ControllerOptions options, ControllerMetrics metrics) {
    this.client = Objects.requireNonNull(client, "client");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (workers < 1) {
      throw new IllegalArgumentException("workers: must be at least 1, got " + workers);
    }
    this.workers = workers;
    this.cacheSyncTimeout = Objects.requireNonNull(cacheSyncTimeout, "cacheSyncTimeout");
    this.resyncPeriod = Objects.requireNonNull(resyncPeriod, "resyncPeriod");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.options = Objects.requireNonNull(options, "options");
  }

  /**
   * Starts the informers and controllers; returns once the controllers are working.
   *
   * @throws IllegalStateException if already started or closed, or if the caches do not sync in time
   *     (the manager is then closed)
   */
  public synchronized void start() {
    if (started || closed) {
      throw new IllegalStateException(closed ? "controller manager is closed" : "controller manager already started");
    }
    started = true;
    informers = new SharedInformerFactory(client, clock, resyncPeriod);
    SharedInformer<Pod> pods = informers.informerFor(Kinds.POD);
    SharedInformer<ReplicaSet> replicaSets = informers.informerFor(Kinds.REPLICA_SET);
    SharedInformer<Deployment> deployments = informers.informerFor(Kinds.DEPLOYMENT);
    controllers.add(new DeploymentController(client.deployments(), client.replicaSets(), deployments, replicaSets,
        pods, clock, metrics));
    controllers.add(new ReplicaSetController(client.replicaSets(), client.pods(), replicaSets, pods, clock, metrics));
    SharedInformer<Job> jobs = informers.informerFor(Kinds.JOB);
    SharedInformer<CronJob> cronJobs = informers.informerFor(Kinds.CRON_JOB);
    controllers.add(new JobController(client.jobs(), client.pods(), jobs, pods,
        recorder(JobController.NAME), clock, metrics));
    controllers.add(new CronJobController(client.cronJobs(), client.jobs(), cronJobs, jobs,
        recorder(CronJobController.NAME), clock, metrics));
    SharedInformer<Node> nodes = informers.informerFor(Kinds.NODE);
    SharedInformer<DaemonSet> daemonSets = informers.informerFor(Kinds.DAEMON_SET);
    SharedInformer<StatefulSet> statefulSets = informers.informerFor(Kinds.STATEFUL_SET);
    controllers.add(new DaemonSetController(client.daemonSets(), client.pods(), daemonSets, nodes, pods, clock, metrics));
    controllers.add(new StatefulSetController(client.statefulSets(), client.pods(), statefulSets, pods, clock, metrics));
    controllers.add(new EndpointsController(client.endpoints(), informers.informerFor(Kinds.SERVICE), pods,
        informers.informerFor(Kinds.ENDPOINTS), clock, metrics));
    SharedInformer<Lease> leases = informers.informerFor(Kinds.LEASE);
    controllers.add(new NodeLifecycleController(client.nodes(), client.pods(), nodes, leases, pods, clock,
        options.nodeMonitorGracePeriod(), metrics));
    controllers.add(new PodGarbageCollector(client.pods(), client.nodes(), pods, nodes, clock,
        options.terminatedPodGcThreshold(), metrics));
    controllers.add(new GarbageCollector(client, informers,
        List.of(Kinds.DEPLOYMENT, Kinds.REPLICA_SET, Kinds.DAEMON_SET, Kinds.STATEFUL_SET, Kinds.CRON_JOB,
            Kinds.JOB, Kinds.POD), clock, metrics));
    controllers.add(new ServiceAccountController(client.serviceAccounts(), informers.informerFor(Kinds.NAMESPACE),
        informers.informerFor(Kinds.SERVICE_ACCOUNT), clock, metrics));
    if (!options.rootCaPem().isEmpty()) {
      controllers.add(new RootCaPublisher(client.configMaps(), informers.informerFor(Kinds.NAMESPACE),
          informers.informerFor(Kinds.CONFIG_MAP), options.rootCaPem(), clock, metrics));
    }
    controllers.add(new ResourceQuotaController(client, informers.informerFor(Kinds.RESOURCE_QUOTA), pods, clock,
        ResourceQuotaController.DEFAULT_RECOUNT_PERIOD, metrics));
    informers.start();
    if (!informers.waitForCacheSync(cacheSyncTimeout)) {
      closeQuietly();
      throw new IllegalStateException("informer caches did not sync within " + cacheSyncTimeout);
    }
    for (Controller c : controllers) {
      c.run(workers);
      log.info("started {} with {} workers", c.name(), workers);
    }
  }

  /** An event recorder reporting as {@code component}, closed with the manager. */
  private EventRecorder recorder(String component) {
    EventRecorder recorder = new EventRecorder(client, component, "", clock);
    recorders.add(recorder);
    return recorder;
  }

  /** The names of the controllers this manager runs. */
  public synchronized List<String> controllerNames() {
    return controllers.stream().map(Controller::name).toList();
  }

  /** Stops the controllers, then the informers. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closeQuietly();
  }

  private void closeQuietly() {
    closed = true;
    for (Controller c : controllers) {
      try {
        c.close();
      } catch (RuntimeException e) {
        log.warn("closing {} failed", c.name(), e);
      }
    }
    recorders.forEach(EventRecorder::close);
    if (informers != null) {
      informers.close();
    }
  }
}
