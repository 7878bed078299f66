package dev.capstan.store.mvcc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.capstan.etcd.mvccpb.KeyValue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class RevisionLogTest {

  @Test
  void holdsOneOrManyChangesPerRevisionAndReadsSkippedOnesAsAbsent() {
    RevisionLog log = new RevisionLog();
    log.append(2, List.of(put(2, 0, "a")));
    log.append(3, List.of(put(3, 0, "b"), put(3, 1, "c")));
    log.append(5, List.of(put(5, 0, "d")));

    assertThat(keys(at(log, 2))).containsExactly("a");
    assertThat(keys(at(log, 3))).containsExactly("b", "c");
    assertThat(at(log, 4)).isEmpty();
    assertThat(visited(log, 0, 100).keySet()).containsExactly(2L, 3L, 5L);
    assertThat(visited(log, 3, 4).keySet()).containsExactly(3L);
  }

  @Test
  void refusesARevisionNotAboveTheLastAndAnEmptyChangeList() {
    RevisionLog log = new RevisionLog();
    log.append(7, List.of(put(7, 0, "a")));

    assertThatThrownBy(() -> log.append(7, List.of(put(7, 0, "b"))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("revision 7");
    assertThatThrownBy(() -> log.append(8, List.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no changes");
  }

  @Test
  void dropBeforeAndUpdateTrimTheFrontAsCompactionDoes() {
    RevisionLog log = new RevisionLog();
    for (long r = 2; r <= 10; r++) {
      log.append(r, List.of(put(r, 0, "k" + r), tombstone(r, 1, "t" + r)));
    }
    log.dropBefore(6);
    log.update(6, changes -> changes.stream().filter(c -> !c.tombstone()).toList());
    log.update(7, changes -> List.of());

    assertThat(keys(at(log, 6))).containsExactly("k6");
    assertThat(visited(log, 0, 100).keySet()).containsExactly(6L, 8L, 9L, 10L);

    log.dropBefore(100);
    assertThat(visited(log, 0, 1000)).isEmpty();
    log.append(101, List.of(put(101, 0, "x")));
    assertThat(visited(log, 0, 1000).keySet()).containsExactly(101L);
  }

  /** The ring against a sorted map under random appends, gaps, drops and updates (fixed seeds). */
  @Test
  void agreesWithASortedMapUnderRandomOperations() {
    for (long seed = 1; seed <= 20; seed++) {
      Random random = new Random(seed);
      RevisionLog log = new RevisionLog();
      TreeMap<Long, List<KeyRevision>> model = new TreeMap<>();
      long next = 2;
      long dropped = 0;
      for (int step = 0; step < 3_000; step++) {
        int op = random.nextInt(10);
        if (op < 7) {
          next += random.nextInt(20) == 0 ? 1 + random.nextInt(3) : 0;
          List<KeyRevision> changes = new ArrayList<>();
          int n = 1 + (random.nextInt(4) == 0 ? random.nextInt(3) : 0);
          for (int i = 0; i < n; i++) {
            changes.add(random.nextBoolean() ? put(next, i, "k" + step) : tombstone(next, i, "k" + step));
          }
          log.append(next, changes);
          model.put(next, List.copyOf(changes));
          next++;
        } else if (op < 9) {
          long target = dropped + random.nextInt((int) Math.max(1, next - dropped) + 1);
          log.dropBefore(target);
          model.headMap(target, false).clear();
          dropped = Math.max(dropped, target);
          log.update(target, changes -> changes.stream().filter(c -> !c.tombstone()).toList());
          List<KeyRevision> at = model.get(target);
          if (at != null) {
            List<KeyRevision> kept = at.stream().filter(c -> !c.tombstone()).toList();
            if (kept.isEmpty()) {
              model.remove(target);
            } else {
              model.put(target, kept);
            }
          }
        } else {
          long from = random.nextInt((int) next + 2);
          long to = from + random.nextInt(50);
          assertThat(visited(log, from, to)).as("seed %d step %d", seed, step)
              .isEqualTo(new LinkedHashMap<>(model.subMap(from, true, to, true)));
        }
      }
      assertThat(visited(log, 0, next)).as("seed %d", seed).isEqualTo(new LinkedHashMap<>(model));
    }
  }

  private static Map<Long, List<KeyRevision>> visited(RevisionLog log, long from, long to) {
    Map<Long, List<KeyRevision>> seen = new LinkedHashMap<>();
    log.forEach(from, to, (revision, changes) -> seen.put(revision, List.copyOf(changes)));
    return seen;
  }

  private static List<KeyRevision> at(RevisionLog log, long revision) {
    return visited(log, revision, revision).getOrDefault(revision, List.of());
  }

  private static List<String> keys(List<KeyRevision> changes) {
    return changes.stream().map(c -> c.kv().getKey().toStringUtf8()).toList();
  }

  private static KeyRevision put(long revision, int sub, String key) {
    return KeyRevision.put(revision, sub,
        KeyValue.newBuilder().setKey(ByteString.copyFromUtf8(key)).setModRevision(revision).build());
  }

  private static KeyRevision tombstone(long revision, int sub, String key) {
    return KeyRevision.tombstone(revision, sub,
        KeyValue.newBuilder().setKey(ByteString.copyFromUtf8(key)).build());
  }
}
