package dev.capstan.apiserver.registry;

import dev.capstan.api.batch.v1.Job;
import dev.capstan.apiserver.defaulting.JobSelectors;
import dev.capstan.client.Kinds;

/**
 * Jobs: Create generates the selector from the new uid ({@link JobSelectors}); an Update that
 * leaves the selector out keeps the generated one, so that re-applying the manifest a Job was
 * created from is not taken for a change of its immutable selector.
 */
final class JobStrategy extends ResourceStrategy<Job> {
  JobStrategy() {
    super(Kinds.JOB);
  }

  @Override
  public Job completeCreate(Job job) {
    return JobSelectors.generate(job);
  }

  @Override
  public Job prepareForUpdate(Job updated, Job old) {
    Job kept = super.prepareForUpdate(updated, old);
    if (!JobSelectors.generated(kept) || kept.getSpec().hasSelector()) {
      return kept;
    }
    Job withIdentity = kept.toBuilder().setMetadata(kept.getMetadata().toBuilder()
        .setUid(old.getMetadata().getUid()).setName(old.getMetadata().getName())).build();
    return kept.toBuilder().setSpec(JobSelectors.generate(withIdentity).getSpec()).build();
  }
}
