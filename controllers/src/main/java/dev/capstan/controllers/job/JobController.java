package dev.capstan.controllers.job;

import dev.capstan.api.batch.v1.Job;
import dev.capstan.api.batch.v1.JobStatus;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodTemplateSpec;
import dev.capstan.api.meta.v1.DeleteRequest;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.Preconditions;
import dev.capstan.client.Kinds;
import dev.capstan.client.ResourceClient;
import dev.capstan.client.events.EventRecorder;
import dev.capstan.client.informer.Lister;
import dev.capstan.client.informer.SharedInformer;
import dev.capstan.client.selector.LabelQuery;
import dev.capstan.controllers.framework.ApiErrors;
import dev.capstan.controllers.framework.ApiWriterPool;
import dev.capstan.controllers.framework.Controller;
import dev.capstan.controllers.framework.ControlledPodEvents;
import dev.capstan.controllers.framework.ControllerExpectations;
import dev.capstan.controllers.framework.ControllerLoop;
import dev.capstan.controllers.framework.ControllerMetrics;
import dev.capstan.controllers.framework.ObjectKey;
import dev.capstan.controllers.framework.OwnerEvents;
import dev.capstan.controllers.framework.OwnerReferences;
import dev.capstan.controllers.framework.PodState;
import dev.capstan.controllers.framework.SlowStartBatch;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each Job's pods to completion. Level-triggered: a sync of a Job key takes the Job and its
 * pods as the informers' caches show them, lets {@link JobPlan} decide one step, and carries it
 * out.
 *
 * <ul>
 *   <li>Its pods: pods whose controller reference names the Job (by uid) and that match its
 *       selector; not terminating. The generated selector holds the Job's uid, so there are no
 *       orphans to adopt.</li>
 *   <li>New pods come from the template with a controller reference that blocks the Job's
 *       foreground deletion, so the garbage collector deletes them with the Job; they are created
 *       in slow-start batches.</li>
 *   <li>It creates or deletes pods for a Job again only once its informer has observed the previous
 *       creations and deletions ({@link ControllerExpectations}), so a lagging cache never makes it
 *       create twice; a failing Job's pods are deleted regardless.</li>
 *   <li>Status (active, succeeded, failed, startTime, completionTime, conditions) is written
 *       through UpdateStatus when it changed; Events record created and deleted pods and how the
 *       Job finished. A Job past its ttlSecondsAfterFinished is deleted with its pods.</li>
 *   <li>Deadlines, backoff and time to live are waited for on the injected clock.</li>
 * </ul>
 */
public final class JobController implements Controller {
  public static final String NAME = "job-controller";
  private static final Logger log = LoggerFactory.getLogger(JobController.class);
  private static final int WRITER_THREADS = 16;

  private final ResourceClient<Job> jobs;
  private final ResourceClient<Pod> pods;
  private final Lister<Job> jobLister;
  private final Lister<Pod> podLister;
  private final EventRecorder events;
  private final Clock clock;
  private final Duration backoffBase;
  private final Duration backoffMax;
  private final ControllerExpectations expectations;
  private final ControllerLoop loop;
  private final ExecutorService writers;

  public JobController(ResourceClient<Job> jobs, ResourceClient<Pod> pods, SharedInformer<Job> jobInformer,
      SharedInformer<Pod> podInformer, EventRecorder events, Clock clock, ControllerMetrics metrics) {
    this(jobs, pods, jobInformer, podInformer, events, clock, JobPlan.DEFAULT_BACKOFF_BASE, JobPlan.DEFAULT_BACKOFF_MAX,
        metrics);
  }

  /** @param backoffBase the wait before re-creating after the first failed pod, doubling per failure */
  public JobController(ResourceClient<Job> jobs, ResourceClient<Pod> pods, SharedInformer<Job> jobInformer,
      SharedInformer<Pod> podInformer, EventRecorder events, Clock clock, Duration backoffBase, Duration backoffMax,
      ControllerMetrics metrics) {
    this.jobs = Objects.requireNonNull(jobs, "jobs");
    this.pods = Objects.requireNonNull(pods, "pods");
    this.events = Objects.requireNonNull(events, "events");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.backoffBase = Objects.requireNonNull(backoffBase, "backoffBase");
    this.backoffMax = Objects.requireNonNull(backoffMax, "backoffMax");
    this.jobLister = jobInformer.lister();
    this.podLister = podInformer.lister();
    this.expectations = new ControllerExpectations(clock);
    this.loop = new ControllerLoop(NAME, clock, metrics, this::sync);
    this.writers = ApiWriterPool.create(NAME, WRITER_THREADS);
    jobInformer.addEventHandler(new OwnerEvents<>(Kinds.JOB, loop, expectations));
    podInformer.addEventHandler(new ControlledPodEvents<>(Kinds.JOB, jobLister, expectations, loop,
        // A Job adopts no orphans and has no minReadySeconds.
        null, null));
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void run(int workers) {
    loop.start(workers);
  }

  @Override
  public void close() {
    loop.close();
    writers.shutdownNow();
  }

  // ---------------------------------------------------------------- sync

  private void sync(String key) throws Exception {
    ObjectKey k = ObjectKey.parse(key);
    Optional<Job> cached = jobLister.get(k.namespace(), k.name());
    if (cached.isEmpty()) {
      expectations.forget(key);
      return;
    }
    Job job = cached.get();
    if (job.getMetadata().hasDeletionTimestamp()) {
      return;  // the garbage collector removes its pods
    }
    LabelQuery selector;
    try {
      selector = LabelQuery.fromProto(job.getSpec().getSelector());
    } catch (IllegalArgumentException e) {
      log.warn("{}: Job {} has an invalid spec.selector, not syncing it: {}", NAME, key, e.getMessage());
      return;
    }
    boolean needsSync = expectations.satisfied(key);
    List<Pod> owned = podLister.list(k.namespace(), pod -> !PodState.isTerminating(pod)
        && OwnerReferences.isControlledBy(pod.getMetadata(), job.getMetadata())
        && selector.matches(pod.getMetadata().getLabelsMap()));
    JobPlan plan = JobPlan.of(job, owned, clock.instant(), backoffBase, backoffMax);

    if (plan.deleteJob()) {
      deleteExpired(job);
      return;
    }
    Exception manageError = null;
    boolean failing = JobConditions.isFailed(job.toBuilder().setStatus(plan.status()).build());
    try {
      if (!plan.podsToDelete().isEmpty() && (needsSync || failing)) {
        deletePods(key, job, plan.podsToDelete());
      } else if (plan.podsToCreate() > 0 && needsSync) {
        createPods(key, job, plan.podsToCreate());
      }
    } catch (Exception e) {
      manageError = e;
    }
    updateStatus(job, plan.status());
    if (manageError != null) {
      throw manageError;
    }
    plan.recheckAfter().ifPresent(after -> loop.enqueueAfter(key, after));
  }

  private void createPods(String key, Job job, int n) throws Exception {
    log.debug("{}: {} needs {} more pods", NAME, key, n);
    expectations.expectCreations(key, n);
    Pod template = newPod(job);
    AtomicInteger created = new AtomicInteger();
    SlowStartBatch.Result result = SlowStartBatch.run(n, 1, writers, () -> {
      Pod pod = pods.create(template);
      created.incrementAndGet();
      events.event(job, EventRecorder.NORMAL, "SuccessfulCreate", "Created pod: " + pod.getMetadata().getName());
    });
    for (int skipped = n - result.succeeded(); skipped > 0; skipped--) {
      expectations.creationObserved(key);  // never to be observed
    }
    if (result.firstError().isPresent()) {
      Throwable t = result.firstError().get();
      events.event(job, EventRecorder.WARNING, "FailedCreate", "Error creating: " + t.getMessage());
      throw t instanceof Exception e ? e : new RuntimeException(t);
    }
  }

  private void deletePods(String key, Job job, List<Pod> victims) throws Exception {
    expectations.expectDeletions(key, victims.stream().map(Kinds.POD::key).toList());
    AtomicReference<Throwable> firstError = new AtomicReference<>();
    List<CompletableFuture<Void>> calls = new ArrayList<>();
    for (Pod pod : victims) {
      calls.add(CompletableFuture.runAsync(() -> {
        try {
          pods.delete(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
          events.event(job, EventRecorder.NORMAL, "SuccessfulDelete", "Deleted pod: " + pod.getMetadata().getName());
        } catch (RuntimeException e) {
          expectations.deletionObserved(key, Kinds.POD.key(pod));
          if (!ApiErrors.isNotFound(e)) {
            firstError.compareAndSet(null, e);
          }
        }
      }, writers));
    }
    CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();
    if (firstError.get() != null) {
      Throwable t = firstError.get();
      throw t instanceof Exception e ? e : new RuntimeException(t);
    }
  }

  private void deleteExpired(Job job) {
    ObjectMeta meta = job.getMetadata();
    try {
      // Only this very Job (uid precondition), its pods with it.
      jobs.delete(DeleteRequest.newBuilder().setNamespace(meta.getNamespace()).setName(meta.getName())
          .setPropagationPolicy("Background")
          .setPreconditions(Preconditions.newBuilder().setUid(meta.getUid())).build());
      log.info("{}: deleted Job {} after its ttlSecondsAfterFinished", NAME, Kinds.JOB.key(job));
    } catch (RuntimeException e) {
      if (!ApiErrors.isNotFound(e) && !ApiErrors.isConflict(e)) {
        throw e;
      }
    }
  }

  private void updateStatus(Job job, JobStatus status) {
    if (status.equals(job.getStatus())) {
      return;
    }
    try {
      jobs.updateStatus(job.toBuilder().setStatus(status).build());
    } catch (RuntimeException e) {
      if (ApiErrors.isNotFound(e)) {
        return;
      }
      throw e;  // a conflict: the Job changed, and its event brings it back here
    }
    boolean wasFinished = JobConditions.isFinished(job);
    JobConditions.finished(status).filter(c -> !wasFinished).ifPresent(c -> {
      if (c.getType().equals(JobConditions.COMPLETE)) {
        events.event(job, EventRecorder.NORMAL, "Completed", "Job completed");
      } else {
        events.event(job, EventRecorder.WARNING, c.getReason(), c.getMessage());
      }
    });
  }

  /** A new pod from the Job's template: generated name "&lt;job&gt;-xxxxx" and a controller reference. */
  static Pod newPod(Job job) {
    PodTemplateSpec template = job.getSpec().getTemplate();
    ObjectMeta owner = job.getMetadata();
    ObjectMeta metadata = ObjectMeta.newBuilder()
        .setGenerateName(owner.getName() + "-")
        .setNamespace(owner.getNamespace())
        .putAllLabels(template.getMetadata().getLabelsMap())
        .putAllAnnotations(template.getMetadata().getAnnotationsMap())
        .addAllFinalizers(template.getMetadata().getFinalizersList())
        .addOwnerReferences(OwnerReferences.newControllerRef(owner, Kinds.JOB))
        .build();
    return Pod.newBuilder().setMetadata(metadata).setSpec(template.getSpec()).build();
  }
}
