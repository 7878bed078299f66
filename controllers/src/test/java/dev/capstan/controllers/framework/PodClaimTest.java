package dev.capstan.controllers.framework;

import static dev.capstan.controllers.TestObjects.T0;
import static dev.capstan.controllers.TestObjects.pod;
import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.Kinds;
import dev.capstan.client.selector.LabelQuery;
import java.util.List;
import org.junit.jupiter.api.Test;

class PodClaimTest {
  private final ObjectMeta rs = ObjectMeta.newBuilder().setName("web-1").setNamespace("default").setUid("rs-1").build();
  private final ObjectMeta otherRs = rs.toBuilder().setName("web-2").setUid("rs-2").build();
  private final LabelQuery selector = LabelQuery.parse("app=web");

  private Pod ownedBy(Pod p, ObjectMeta owner) {
    return p.toBuilder().setMetadata(p.getMetadata().toBuilder()
        .addOwnerReferences(OwnerReferences.newControllerRef(owner, Kinds.REPLICA_SET))).build();
  }

  private Pod relabeled(Pod p, String app) {
    return p.toBuilder().setMetadata(p.getMetadata().toBuilder().putLabels("app", app)).build();
  }

  @Test
  void sortsPodsIntoOwnedAdoptableReleasableAndForeign() {
    Pod mine = ownedBy(pod("mine", T0), rs);
    Pod orphan = pod("orphan", T0);
    Pod strayed = relabeled(ownedBy(pod("strayed", T0), rs), "db");
    Pod foreign = ownedBy(pod("foreign", T0), otherRs);
    Pod unrelatedOrphan = relabeled(pod("unrelated", T0), "db");

    PodClaim claim = PodClaim.of(rs, selector::matches, List.of(mine, orphan, strayed, foreign, unrelatedOrphan));

    assertThat(claim.owned()).containsExactly(mine);
    assertThat(claim.toAdopt()).containsExactly(orphan);
    assertThat(claim.toRelease()).containsExactly(strayed);
  }

  @Test
  void anOwnerBeingDeletedNeitherAdoptsNorReleases() {
    ObjectMeta deleting = rs.toBuilder().setDeletionTimestamp(ProtoTime.toTimestamp(T0)).build();
    Pod mine = ownedBy(pod("mine", T0), rs);
    Pod strayed = relabeled(ownedBy(pod("strayed", T0), rs), "db");
    PodClaim claim = PodClaim.of(deleting, selector::matches, List.of(mine, pod("orphan", T0), strayed));
    assertThat(claim.owned()).containsExactly(mine);
    assertThat(claim.toAdopt()).isEmpty();
    assertThat(claim.toRelease()).isEmpty();
  }
}
