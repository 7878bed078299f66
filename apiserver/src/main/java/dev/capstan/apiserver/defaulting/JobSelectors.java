package dev.capstan.apiserver.defaulting;

import dev.capstan.api.batch.v1.Job;
import dev.capstan.api.batch.v1.JobSpec;
import dev.capstan.api.meta.v1.ObjectMeta;

/**
 * The selector Kubernetes generates for a Job, which needs the uid the registry assigns at create:
 * the pod template gets the labels {@code batch.kubernetes.io/controller-uid},
 * {@code batch.kubernetes.io/job-name} and their older unprefixed forms {@code controller-uid} and
 * {@code job-name}; the selector matches {@code batch.kubernetes.io/controller-uid}, which no other
 * Job's pods carry. Labels and selector entries already set are kept, so that a selector someone
 * wrote without {@code manualSelector: true} fails validation instead of being silently replaced.
 */
public final class JobSelectors {
  public static final String CONTROLLER_UID = "batch.kubernetes.io/controller-uid";
  public static final String JOB_NAME = "batch.kubernetes.io/job-name";
  public static final String LEGACY_CONTROLLER_UID = "controller-uid";
  public static final String LEGACY_JOB_NAME = "job-name";

  private JobSelectors() {}

  /** Whether the Job's selector is generated (manualSelector is not true). */
  public static boolean generated(Job job) {
    return !job.getSpec().getManualSelector();
  }

  /** The Job with its generated selector and template labels; unchanged when manualSelector is true. */
  public static Job generate(Job job) {
    if (!generated(job)) {
      return job;
    }
    String uid = job.getMetadata().getUid();
    String name = job.getMetadata().getName();
    JobSpec.Builder spec = job.getSpec().toBuilder();
    var labels = spec.getTemplateBuilder().getMetadataBuilder();
    putIfAbsent(labels, CONTROLLER_UID, uid);
    putIfAbsent(labels, JOB_NAME, name);
    putIfAbsent(labels, LEGACY_CONTROLLER_UID, uid);
    putIfAbsent(labels, LEGACY_JOB_NAME, name);
    var selector = spec.getSelectorBuilder();
    if (!selector.containsMatchLabels(CONTROLLER_UID)) {
      selector.putMatchLabels(CONTROLLER_UID, uid);
    }
    return job.toBuilder().setSpec(spec).build();
  }

  private static void putIfAbsent(ObjectMeta.Builder meta, String key, String value) {
    if (!meta.containsLabels(key)) {
      meta.putLabels(key, value);
    }
  }
}
