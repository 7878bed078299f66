package dev.capstan.controllers.cronjob;

import com.google.protobuf.util.Timestamps;
import dev.capstan.api.batch.v1.CronJob;
import dev.capstan.api.batch.v1.CronJobStatus;
import dev.capstan.api.batch.v1.Job;
import dev.capstan.api.batch.v1.JobTemplateSpec;
import dev.capstan.api.meta.v1.DeleteRequest;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.ObjectReference;
import dev.capstan.api.meta.v1.Preconditions;
import dev.capstan.client.Kinds;
import dev.capstan.client.ResourceClient;
import dev.capstan.client.events.EventRecorder;
import dev.capstan.client.informer.Lister;
import dev.capstan.client.informer.ResourceEventHandler;
import dev.capstan.client.informer.SharedInformer;
import dev.capstan.controllers.framework.ApiErrors;
import dev.capstan.controllers.framework.Controller;
import dev.capstan.controllers.framework.ControllerLoop;
import dev.capstan.controllers.framework.ControllerMetrics;
import dev.capstan.controllers.framework.ObjectKey;
import dev.capstan.controllers.framework.OwnerEvents;
import dev.capstan.controllers.framework.OwnerReferences;
import dev.capstan.controllers.framework.ProtoTime;
import dev.capstan.controllers.job.JobConditions;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates each CronJob's Jobs at its scheduled times, Kubernetes' CronJob controller (v2). A sync
 * of a CronJob key:
 *
 * <ol>
 *   <li>finds its Jobs (controller reference by uid) in the Job informer's cache, and sets
 *       {@code status.active} to the unfinished ones and {@code status.lastSuccessfulTime} from the
 *       completed ones;</li>
 *   <li>deletes finished Jobs beyond the history limits ({@link JobHistory}), oldest first;</li>
 *   <li>unless suspended, asks {@link CronJobTimes} whether a scheduled time is due; if one is, it
 *       applies the concurrency policy (Allow: run; Forbid: skip while a Job is active, and run the
 *       missed time once it finished; Replace: delete the active Jobs first), creates the Job
 *       {@code <cronjob>-<scheduled minutes since the epoch>} from the jobTemplate with a
 *       controller reference, and records the time in {@code status.lastScheduleTime}. The name
 *       makes the creation idempotent: a Job that already exists for that time (a restarted
 *       controller, a lost status write) is taken as created;</li>
 *   <li>looks at the CronJob again at its next scheduled time, on the injected clock.</li>
 * </ol>
 * Events: SuccessfulCreate, SuccessfulDelete, JobAlreadyActive, SawCompletedJob, UnparseableSchedule.
 */
public final class CronJobController implements Controller {
  public static final String NAME = "cronjob-controller";
  /** Kubernetes' annotation on a CronJob's Job: the time it was scheduled for. */
  public static final String SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp";
  private static final Logger log = LoggerFactory.getLogger(CronJobController.class);

  private final ResourceClient<CronJob> cronJobs;
  private final ResourceClient<Job> jobs;
  private final Lister<CronJob> cronJobLister;
  private final Lister<Job> jobLister;
  private final EventRecorder events;
  private final Clock clock;
  private final ControllerLoop loop;

  public CronJobController(ResourceClient<CronJob> cronJobs, ResourceClient<Job> jobs,
      SharedInformer<CronJob> cronJobInformer, SharedInformer<Job> jobInformer, EventRecorder events, Clock clock,
      ControllerMetrics metrics) {
    this.cronJobs = Objects.requireNonNull(cronJobs, "cronJobs");
    this.jobs = Objects.requireNonNull(jobs, "jobs");
    this.events = Objects.requireNonNull(events, "events");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.cronJobLister = cronJobInformer.lister();
    this.jobLister = jobInformer.lister();
    this.loop = new ControllerLoop(NAME, clock, metrics, this::sync);
    cronJobInformer.addEventHandler(new OwnerEvents<>(Kinds.CRON_JOB, loop));
    jobInformer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Job job) {
        enqueueOwner(job);
      }

      @Override
      public void onUpdate(Job old, Job job) {
        enqueueOwner(job);
      }

      @Override
      public void onDelete(Job job) {
        enqueueOwner(job);
      }
    });
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
  }

  private void enqueueOwner(Job job) {
    OwnerReferences.controllerOf(job.getMetadata())
        .filter(ref -> ref.getKind().equals(Kinds.CRON_JOB.kind()))
        .ifPresent(ref -> loop.enqueue(job.getMetadata().getNamespace() + "/" + ref.getName()));
  }

  // ---------------------------------------------------------------- sync

  private void sync(String key) {
    ObjectKey k = ObjectKey.parse(key);
    Optional<CronJob> cached = cronJobLister.get(k.namespace(), k.name());
    if (cached.isEmpty()) {
      return;
    }
    CronJob cronJob = cached.get();
    Instant now = clock.instant();
    List<Job> owned = jobLister.list(k.namespace(),
        job -> OwnerReferences.isControlledBy(job.getMetadata(), cronJob.getMetadata()));
    CronJobStatus.Builder status = reconcileActive(cronJob, owned);
    if (cronJob.getMetadata().hasDeletionTimestamp()) {
      writeStatus(cronJob, status.build());
      return;
    }
    cleanUpHistory(cronJob, owned);

    CronJobTimes times;
    try {
      times = CronJobTimes.of(cronJob.getSpec());
    } catch (RuntimeException e) {
      events.event(cronJob, EventRecorder.WARNING, "UnparseableSchedule",
          "unparseable schedule \"" + cronJob.getSpec().getSchedule() + "\": " + e.getMessage());
      writeStatus(cronJob, status.build());
      return;
    }
    if (cronJob.getSpec().getSuspend()) {
      writeStatus(cronJob, status.build());
      return;
    }
    CronJob current = cronJob.toBuilder().setStatus(status).build();
    Optional<Instant> due = times.due(current, now);
    if (due.isPresent()) {
      run(current, status, due.get());
    }
    writeStatus(cronJob, status.build());
    // At the scheduled instant itself: a delay from `now` would come late by the time this sync took.
    times.next(now).ifPresent(t -> loop.enqueueAt(key, t));
  }

  /** Starts the Job for {@code scheduled} as the concurrency policy allows; records it in {@code status}. */
  private void run(CronJob cronJob, CronJobStatus.Builder status, Instant scheduled) {
    String policy = cronJob.getSpec().getConcurrencyPolicy();
    if (policy.equals("Forbid") && status.getActiveCount() > 0) {
      // Not recorded as scheduled: the missed time runs once the active Job has finished.
      events.event(cronJob, EventRecorder.NORMAL, "JobAlreadyActive",
          "Not starting job because prior execution is running and concurrency policy is Forbid");
      return;
    }
    if (policy.equals("Replace")) {
      for (ObjectReference ref : List.copyOf(status.getActiveList())) {
        deleteJob(cronJob, ref.getName(), ref.getUid());
      }
      status.clearActive();
    }
    String name = CronJobTimes.jobName(cronJob.getMetadata().getName(), scheduled);
    Job job = createOrFind(cronJob, name, scheduled);
    if (job == null) {
      return;
    }
    if (!JobConditions.isFinished(job) && status.getActiveList().stream()
        .noneMatch(r -> r.getUid().equals(job.getMetadata().getUid()))) {
      status.addActive(reference(job));
    }
    status.setLastScheduleTime(ProtoTime.toTimestamp(scheduled));
  }

  /** Creates the Job, or finds the one made for this time before; null if someone else's has its name. */
  private Job createOrFind(CronJob cronJob, String name, Instant scheduled) {
    Job created;
    try {
      created = jobs.create(newJob(cronJob, name, scheduled));
      events.event(cronJob, EventRecorder.NORMAL, "SuccessfulCreate", "Created job " + name);
    } catch (RuntimeException e) {
      if (!ApiErrors.isAlreadyExists(e)) {
        events.event(cronJob, EventRecorder.WARNING, "FailedCreate", "Error creating job " + name + ": "
            + e.getMessage());
        throw e;
      }
      // Made before, by this controller or a previous run of it: the time has been served.
      created = jobs.get(cronJob.getMetadata().getNamespace(), name);
      if (!OwnerReferences.isControlledBy(created.getMetadata(), cronJob.getMetadata())) {
        events.event(cronJob, EventRecorder.WARNING, "FailedCreate", "Job " + name
            + " exists and is not controlled by this CronJob");
        return null;
      }
    }
    return created;
  }

  /** The status with active = the unfinished owned Jobs, and the latest completion seen. */
  private CronJobStatus.Builder reconcileActive(CronJob cronJob, List<Job> owned) {
    CronJobStatus.Builder status = cronJob.getStatus().toBuilder();
    Set<String> listed = status.getActiveList().stream().map(ObjectReference::getUid).collect(Collectors.toSet());
    List<ObjectReference> active = new ArrayList<>();
    for (Job job : owned.stream().sorted(Comparator.comparing(j -> j.getMetadata().getName())).toList()) {
      if (!JobConditions.isFinished(job)) {
        active.add(reference(job));
        continue;
      }
      if (listed.contains(job.getMetadata().getUid())) {
        events.event(cronJob, EventRecorder.NORMAL, "SawCompletedJob", "Saw completed job: "
            + job.getMetadata().getName() + ", condition: " + JobConditions.finished(job.getStatus())
            .map(c -> c.getType()).orElse(""));
      }
      if (JobConditions.isComplete(job) && job.getStatus().hasCompletionTime()
          && (!status.hasLastSuccessfulTime()
              || Timestamps.compare(job.getStatus().getCompletionTime(), status.getLastSuccessfulTime()) > 0)) {
        status.setLastSuccessfulTime(job.getStatus().getCompletionTime());
      }
    }
    // Jobs listed as active that the cache does not show yet (just created) stay listed until it does.
    Set<String> ownedUids = owned.stream().map(j -> j.getMetadata().getUid()).collect(Collectors.toSet());
    for (ObjectReference ref : status.getActiveList()) {
      if (!ownedUids.contains(ref.getUid()) && jobLister.get(ref.getNamespace(), ref.getName()).isEmpty()
          && recentlyCreated(ref)) {
        active.add(ref);
      }
    }
    return status.clearActive().addAllActive(active);
  }

  /** A Job we listed whose name is not in the cache: kept only while a live read still finds it. */
  private boolean recentlyCreated(ObjectReference ref) {
    try {
      Job live = jobs.get(ref.getNamespace(), ref.getName());
      return live.getMetadata().getUid().equals(ref.getUid()) && !JobConditions.isFinished(live);
    } catch (RuntimeException e) {
      if (ApiErrors.isNotFound(e)) {
        return false;
      }
      throw e;
    }
  }

  private void cleanUpHistory(CronJob cronJob, List<Job> owned) {
    var spec = cronJob.getSpec();
    List<Job> expired = JobHistory.toDelete(owned,
        spec.hasSuccessfulJobsHistoryLimit() ? spec.getSuccessfulJobsHistoryLimit() : 3,
        spec.hasFailedJobsHistoryLimit() ? spec.getFailedJobsHistoryLimit() : 1);
    for (Job job : expired) {
      if (!job.getMetadata().hasDeletionTimestamp()) {
        deleteJob(cronJob, job.getMetadata().getName(), job.getMetadata().getUid());
      }
    }
  }

  private void deleteJob(CronJob cronJob, String name, String uid) {
    try {
      jobs.delete(DeleteRequest.newBuilder().setNamespace(cronJob.getMetadata().getNamespace()).setName(name)
          .setPropagationPolicy("Background").setPreconditions(Preconditions.newBuilder().setUid(uid)).build());
      events.event(cronJob, EventRecorder.NORMAL, "SuccessfulDelete", "Deleted job " + name);
    } catch (RuntimeException e) {
      if (!ApiErrors.isNotFound(e) && !ApiErrors.isConflict(e)) {
        throw e;
      }
    }
  }

  private void writeStatus(CronJob cronJob, CronJobStatus status) {
    if (status.equals(cronJob.getStatus())) {
      return;
    }
    try {
      cronJobs.updateStatus(cronJob.toBuilder().setStatus(status).build());
    } catch (RuntimeException e) {
      if (!ApiErrors.isNotFound(e)) {
        throw e;  // a conflict: the CronJob changed, and its event brings it back here
      }
    }
  }

  /** The Job for one scheduled time: the jobTemplate, a controller reference, the scheduled time. */
  static Job newJob(CronJob cronJob, String name, Instant scheduled) {
    JobTemplateSpec template = cronJob.getSpec().getJobTemplate();
    ObjectMeta owner = cronJob.getMetadata();
    ObjectMeta metadata = ObjectMeta.newBuilder()
        .setName(name)
        .setNamespace(owner.getNamespace())
        .putAllLabels(template.getMetadata().getLabelsMap())
        .putAllAnnotations(template.getMetadata().getAnnotationsMap())
        .putAnnotations(SCHEDULED_TIMESTAMP, Timestamps.toString(ProtoTime.toTimestamp(scheduled)))
        .addOwnerReferences(OwnerReferences.newControllerRef(owner, Kinds.CRON_JOB))
        .build();
    return Job.newBuilder().setMetadata(metadata).setSpec(template.getSpec()).build();
  }

  private static ObjectReference reference(Job job) {
    return ObjectReference.newBuilder().setKind(Kinds.JOB.kind()).setApiVersion(Kinds.JOB.apiVersion())
        .setNamespace(job.getMetadata().getNamespace()).setName(job.getMetadata().getName())
        .setUid(job.getMetadata().getUid()).build();
  }
}
