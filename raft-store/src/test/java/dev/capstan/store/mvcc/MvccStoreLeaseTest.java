package dev.capstan.store.mvcc;

import static dev.capstan.store.EtcdRequests.bytes;
import static dev.capstan.store.EtcdRequests.get;
import static dev.capstan.store.EtcdRequests.op;
import static dev.capstan.store.EtcdRequests.prefix;
import static dev.capstan.store.EtcdRequests.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.etcd.etcdserverpb.Compare;
import dev.capstan.etcd.etcdserverpb.LeaseGrantRequest;
import dev.capstan.etcd.etcdserverpb.LeaseKeepAliveRequest;
import dev.capstan.etcd.etcdserverpb.LeaseRevokeRequest;
import dev.capstan.etcd.etcdserverpb.LeaseStatus;
import dev.capstan.etcd.etcdserverpb.LeaseTimeToLiveRequest;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.etcd.etcdserverpb.TxnRequest;
import dev.capstan.etcd.mvccpb.Event;
import dev.capstan.store.MutableClock;
import dev.capstan.store.StoreException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class MvccStoreLeaseTest {

  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final MvccStore store = new MvccStore(Runnable::run, clock);

  private long grant(long id, long ttl) {
    return store.leaseGrant(LeaseGrantRequest.newBuilder().setID(id).setTTL(ttl).build()).response().getID();
  }

  private static PutRequest putWithLease(String key, String value, long lease) {
    return put(key, value).toBuilder().setLease(lease).build();
  }

  private List<String> leaseKeys(long id) {
    return store.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(id).setKeys(true).build())
        .getKeysList().stream().map(k -> k.toStringUtf8()).toList();
  }

  private long remaining(long id) {
    return store.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(id).build()).getTTL();
  }

  @Test
  void grantKeepsTheGivenIdOrDerivesTheSameOneOnEveryCopy() {
    var granted = store.leaseGrant(LeaseGrantRequest.newBuilder().setID(7).setTTL(30).build());
    assertThat(granted.response().getID()).isEqualTo(7);
    assertThat(granted.response().getTTL()).isEqualTo(30);
    assertThat(granted.revision()).as("a grant changes no key").isEqualTo(1);

    MvccStore twin = new MvccStore(Runnable::run, clock);
    twin.leaseGrant(LeaseGrantRequest.newBuilder().setID(7).setTTL(30).build());
    long generated = grant(0, 30);
    assertThat(generated).isPositive().isNotEqualTo(7);
    assertThat(twin.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(30).build()).response().getID())
        .isEqualTo(generated);
    assertThat(store.leaseLeases().getLeasesList()).extracting(LeaseStatus::getID)
        .containsExactly(7L, generated).isSorted();
  }

  @Test
  void grantRefusesAnIdInUseAndATooLargeTtlAndRaisesATinyOne() {
    grant(7, 30);
    assertThatThrownBy(() -> grant(7, 30)).isInstanceOf(StoreException.class)
        .hasMessage("etcdserver: lease already exists")
        .extracting(e -> ((StoreException) e).code()).isEqualTo(StoreException.Code.LEASE_EXISTS);
    assertThatThrownBy(() -> grant(8, MvccStore.MAX_LEASE_TTL + 1)).hasMessage("etcdserver: too large lease TTL");
    assertThat(store.leaseGrant(LeaseGrantRequest.newBuilder().setID(9).setTTL(1).build()).response().getTTL())
        .isEqualTo(MvccStore.MIN_LEASE_TTL);
  }

  @Test
  void putsAttachKeysAndRevokeDeletesThemInOneRevision() {
    long lease = grant(5, 60);
    store.put(putWithLease("/a", "1", lease));
    store.put(putWithLease("/b", "2", lease));
    store.put(put("/c", "3"));
    assertThat(store.range(get("/a")).getKvs(0).getLease()).isEqualTo(lease);
    assertThat(leaseKeys(lease)).containsExactly("/a", "/b");

    var revoked = store.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(lease).build());
    assertThat(revoked.revision()).isEqualTo(5);
    assertThat(revoked.response().getHeader().getRevision()).isEqualTo(5);
    assertThat(revoked.events()).extracting(Event::getType).containsExactly(Event.EventType.DELETE,
        Event.EventType.DELETE);
    assertThat(revoked.events()).allSatisfy(e -> assertThat(e.getKv().getModRevision()).isEqualTo(5));
    assertThat(store.range(prefix("/")).getKvsList()).extracting(kv -> kv.getKey().toStringUtf8())
        .containsExactly("/c");
    assertThat(store.leaseLeases().getLeasesList()).isEmpty();
  }

  @Test
  void revokingALeaseWithoutKeysLeavesTheRevisionAlone() {
    long lease = grant(5, 60);
    assertThat(store.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(lease).build()).revision()).isEqualTo(1);
  }

  @Test
  void unknownLeasesAreNotFoundWithEtcdsText() {
    for (Runnable call : List.<Runnable>of(
        () -> store.put(putWithLease("/a", "1", 42)),
        () -> store.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(42).build()),
        () -> store.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(42).build()),
        () -> store.txn(TxnRequest.newBuilder().addSuccess(op(putWithLease("/a", "1", 42))).build()))) {
      assertThatThrownBy(call::run).isInstanceOf(StoreException.class)
          .hasMessage("etcdserver: requested lease not found")
          .extracting(e -> ((StoreException) e).code()).isEqualTo(StoreException.Code.LEASE_NOT_FOUND);
    }
    store.promoteLeases();
    assertThatThrownBy(() -> store.leaseKeepAlive(LeaseKeepAliveRequest.newBuilder().setID(42).build()))
        .hasMessage("etcdserver: requested lease not found");
    assertThat(store.revision()).isEqualTo(1);
  }

  @Test
  void overwritingOrDeletingAKeyDetachesItAndIgnoreLeaseKeepsIt() {
    long first = grant(1, 60);
    long second = grant(2, 60);
    store.put(putWithLease("/a", "1", first));
    store.put(putWithLease("/b", "1", first));
    store.put(PutRequest.newBuilder().setKey(bytes("/a")).setValue(bytes("2")).setIgnoreLease(true).build());
    assertThat(store.range(get("/a")).getKvs(0).getLease()).isEqualTo(first);
    store.put(putWithLease("/b", "2", second));
    assertThat(leaseKeys(first)).containsExactly("/a");
    assertThat(leaseKeys(second)).containsExactly("/b");
    store.put(put("/a", "3"));
    assertThat(leaseKeys(first)).isEmpty();
    store.deleteRange(dev.capstan.store.EtcdRequests.delete("/b"));
    assertThat(leaseKeys(second)).isEmpty();

    // Revoking a lease its former keys left behind deletes nothing.
    assertThat(store.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(first).build()).events()).isEmpty();
    assertThat(store.range(get("/a")).getCount()).isEqualTo(1);
  }

  @Test
  void txnComparesOnTheLease() {
    long lease = grant(3, 60);
    store.put(putWithLease("/a", "1", lease));
    Compare leaseIs3 = Compare.newBuilder().setKey(bytes("/a")).setTarget(Compare.CompareTarget.LEASE)
        .setResult(Compare.CompareResult.EQUAL).setLease(lease).build();
    assertThat(store.txn(TxnRequest.newBuilder().addCompare(leaseIs3).build()).response().getSucceeded()).isTrue();
    assertThat(store.txn(TxnRequest.newBuilder().addCompare(leaseIs3.toBuilder().setLease(4)).build())
        .response().getSucceeded()).isFalse();
  }

  @Test
  void onlyAPromotedStoreTimesLeasesAndReportsThemExpired() {
    long lease = grant(1, 10);
    clock.advance(Duration.ofSeconds(60));
    assertThat(store.takeExpiredLeases(10)).as("not promoted: never expires").isEmpty();
    assertThatThrownBy(() -> store.leaseKeepAlive(LeaseKeepAliveRequest.newBuilder().setID(lease).build()))
        .isInstanceOf(StoreException.class).hasMessage("etcdserver: no leader");
    assertThat(remaining(lease)).as("reported as granted off the leader").isEqualTo(10);

    store.promoteLeases();
    assertThat(remaining(lease)).as("a new leader gives the full TTL again").isEqualTo(10);
    clock.advance(Duration.ofMillis(9_500));
    assertThat(remaining(lease)).isEqualTo(1);
    assertThat(store.takeExpiredLeases(10)).isEmpty();
    clock.advance(Duration.ofMillis(500));
    assertThat(store.takeExpiredLeases(10)).containsExactly(lease);
    assertThat(store.takeExpiredLeases(10)).as("not again while its revoke is in flight").isEmpty();
    clock.advance(LeaseExpiry.REVOKE_RETRY);
    assertThat(store.takeExpiredLeases(10)).as("again if the revoke got lost").containsExactly(lease);

    store.demoteLeases();
    clock.advance(Duration.ofSeconds(60));
    assertThat(store.takeExpiredLeases(10)).isEmpty();
  }

  @Test
  void keepAliveRestartsTheTtl() {
    store.promoteLeases();
    long lease = grant(1, 10);
    long other = grant(2, 10);
    clock.advance(Duration.ofSeconds(8));
    var kept = store.leaseKeepAlive(LeaseKeepAliveRequest.newBuilder().setID(lease).build());
    assertThat(kept.getID()).isEqualTo(lease);
    assertThat(kept.getTTL()).isEqualTo(10);
    clock.advance(Duration.ofSeconds(8));
    assertThat(remaining(lease)).isEqualTo(2);
    assertThat(store.takeExpiredLeases(10)).containsExactly(other);
    assertThat(store.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(lease).build()).getGrantedTTL())
        .isEqualTo(10);
  }

  @Test
  void expiredLeasesComeEarliestFirstUpToTheLimit() {
    store.promoteLeases();
    grant(30, 30);
    grant(10, 10);
    grant(20, 20);
    clock.advance(Duration.ofSeconds(31));
    assertThat(store.takeExpiredLeases(2)).containsExactly(10L, 20L);
    assertThat(store.takeExpiredLeases(2)).containsExactly(30L);
  }

  @Test
  void snapshotsKeepLeasesAndTheirKeys() throws IOException {
    long lease = grant(77, 45);
    store.put(putWithLease("/a", "1", lease));
    store.put(put("/b", "1"));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    store.writeSnapshot(bytes);

    MvccStore restored = new MvccStore(Runnable::run, clock);
    restored.promoteLeases();
    restored.restore(new ByteArrayInputStream(bytes.toByteArray()));
    assertThat(restored.leaseLeases().getLeasesList()).extracting(LeaseStatus::getID).containsExactly(77L);
    var ttl = restored.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(77).setKeys(true).build());
    assertThat(ttl.getGrantedTTL()).isEqualTo(45);
    assertThat(ttl.getTTL()).as("timed afresh by the promoted store").isEqualTo(45);
    assertThat(ttl.getKeysList()).extracting(k -> k.toStringUtf8()).containsExactly("/a");
    assertThat(restored.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(77).build()).events()).hasSize(1);
    assertThat(restored.range(prefix("/")).getKvsList()).extracting(kv -> kv.getKey().toStringUtf8())
        .containsExactly("/b");
  }
}
