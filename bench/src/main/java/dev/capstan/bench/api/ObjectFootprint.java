package dev.capstan.bench.api;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.ServiceAccount;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.apiserver.admission.ServiceAccountAdmission;
import dev.capstan.apiserver.defaulting.Defaulters;
import dev.capstan.apiserver.registry.SelectorFieldReader;
import dev.capstan.apiserver.watch.CachedObject;
import dev.capstan.client.Kinds;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.openjdk.jol.info.GraphLayout;

/**
 * What one pod costs on a server's heap: the benchmark's pod ({@link BenchPods}) made as a create
 * makes it (the apiserver's own defaulting, the ServiceAccount token volume, a uid, a creation
 * time) and encoded, then held decoded (as the watch cache held objects before it kept them
 * encoded, and as an in-process informer holds them) and as the watch cache holds it now, a
 * {@link CachedObject}: the stored bytes, which the store holds too, and the selector fields read
 * from them. Sizes come from Java Object Layout's walk of the objects reachable from {@code count}
 * such pods, each with its own name, uid and resourceVersion, minus the walk of half of them, so
 * what all pods share (protobuf's descriptors and default instances, the reader's shared strings)
 * cancels out. Prints Markdown: the encoded size, the decoded pod's heap and objects, the cached
 * object's with and without its bytes, then the decoded pod's heap by class, then what decoding
 * costs per pod against the cache's read of the selector fields ({@link SelectorFieldReader}).
 *
 * <p>Usage: {@code ObjectFootprint [--count 2000]}
 */
public final class ObjectFootprint {
  private static final int CLASSES_SHOWN = 12;
  private static final int WARMUP_ROUNDS = 200;
  private static final int TIMED_ROUNDS = 50;
  private static volatile long consumed;

  private ObjectFootprint() {}

  public static void main(String[] args) {
    int count = 2000;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--count")) {
        String value = i + 1 < args.length ? args[++i] : "(nothing)";
        try {
          count = Integer.parseInt(value);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("--count: not a whole number: " + value);
        }
      } else {
        throw new IllegalArgumentException("unknown argument " + args[i] + " (usage: ObjectFootprint [--count N])");
      }
    }
    if (count < 2) {
      throw new IllegalArgumentException("--count: must be at least 2, got " + count);
    }
    Pod stored = storedPod();
    Random random = new Random(1);
    List<Pod> decoded = new ArrayList<>(count);
    List<ByteString> encoded = new ArrayList<>(count);
    List<CachedObject<Pod>> cached = new ArrayList<>(count);
    SelectorFieldReader reader = new SelectorFieldReader(Kinds.POD);
    for (int i = 0; i < count; i++) {
      ObjectMeta meta = stored.getMetadata().toBuilder().setName("c0-" + i)
          .setUid(new UUID(random.nextLong(), random.nextLong()).toString())
          .setCreationTimestamp(Timestamp.newBuilder().setSeconds(1_764_800_000L + i)).build();
      ByteString bytes = stored.toBuilder().setMetadata(meta).build().toByteString();
      encoded.add(bytes);
      decoded.add(Kinds.POD.parseWithResourceVersion(bytes, Long.toString(100_000L + i)));
      cached.add(CachedObject.of(Kinds.POD, reader, bytes, 100_000L + i));
    }
    int measured = count - count / 2;
    GraphLayout decodedEach = marginal(decoded);
    GraphLayout encodedEach = marginal(encoded);
    GraphLayout cachedEach = marginal(cached);
    StringBuilder out = new StringBuilder("### Heap per cached pod (Java Object Layout, marginal over ")
        .append(measured).append(" pods)\n\n")
        .append("| encoded (B) | decoded (B) | its objects | the encoded bytes as a ByteString (B) "
            + "| cached, as the watch cache holds it (B) | its objects | cached, less the bytes the store holds (B) |\n"
            + "|---|---|---|---|---|---|---|\n")
        .append(String.format(Locale.ROOT, "| %d | %d | %d | %d | %d | %d | %d |%n%n", encoded.get(0).size(),
            decodedEach.totalSize() / measured, decodedEach.totalCount() / measured, encodedEach.totalSize() / measured,
            cachedEach.totalSize() / measured, cachedEach.totalCount() / measured,
            (cachedEach.totalSize() - encodedEach.totalSize()) / measured))
        .append("A decoded pod by class, per pod, the largest ").append(CLASSES_SHOWN)
        .append(":\n\n| class | objects | bytes |\n|---|---|---|\n");
    decodedEach.getClasses().stream()
        .sorted(Comparator.comparingLong((Class<?> c) -> decodedEach.getClassSizes().count(c)).reversed())
        .limit(CLASSES_SHOWN)
        .forEach(c -> out.append(String.format(Locale.ROOT, "| `%s` | %.1f | %d |%n", c.getTypeName(),
            (double) decodedEach.getClassCounts().count(c) / measured, decodedEach.getClassSizes().count(c) / measured)));
    out.append(decodeCost(encoded));
    System.out.print(out);
  }

  /**
   * The time per pod, over {@link #TIMED_ROUNDS} rounds after {@link #WARMUP_ROUNDS} unmeasured
   * ones, of decoding all of {@code encoded}, and of reading only the fields selectors need as the
   * watch cache does ({@link SelectorFieldReader}); run with the servers' JIT (C1) for their figure.
   */
  static String decodeCost(List<ByteString> encoded) {
    long sink = 0;
    long[] decode = new long[TIMED_ROUNDS];
    long[] scan = new long[TIMED_ROUNDS];
    SelectorFieldReader reader = new SelectorFieldReader(Kinds.POD);
    for (int round = -WARMUP_ROUNDS; round < TIMED_ROUNDS; round++) {
      long start = System.nanoTime();
      for (ByteString bytes : encoded) {
        sink += Kinds.POD.parseWithResourceVersion(bytes, "1").getSpec().getContainersCount();
      }
      long decoded = System.nanoTime();
      for (ByteString bytes : encoded) {
        sink += reader.read(bytes).labels().size();
      }
      if (round >= 0) {
        decode[round] = decoded - start;
        scan[round] = System.nanoTime() - decoded;
      }
    }
    consumed += sink;  // so the JIT keeps the work
    java.util.Arrays.sort(decode);
    java.util.Arrays.sort(scan);
    int n = encoded.size();
    return String.format(Locale.ROOT, "%nDecoding, per pod (%d pods a round, median of %d rounds, range; JVM options: %s):%n%n"
        + "| full decode (µs) | the selector fields, as the watch cache reads them: name, namespace, labels and "
        + "the pod's six selectable fields (µs) |%n|---|---|%n| %.2f (%.2f to %.2f) | %.2f (%.2f to %.2f) |%n",
        n, TIMED_ROUNDS, String.join(" ", java.lang.management.ManagementFactory.getRuntimeMXBean()
            .getInputArguments()),
        decode[TIMED_ROUNDS / 2] / 1e3 / n, decode[0] / 1e3 / n, decode[TIMED_ROUNDS - 1] / 1e3 / n,
        scan[TIMED_ROUNDS / 2] / 1e3 / n, scan[0] / 1e3 / n, scan[TIMED_ROUNDS - 1] / 1e3 / n);
  }

  /** The benchmark's pod as a create stores it, before its per-object metadata. */
  static Pod storedPod() {
    Pod pod = Defaulters.forKind(Kinds.POD).applyDefaults(BenchPods.pod("bench-create", "c0-0"));
    ServiceAccountAdmission serviceAccounts = new ServiceAccountAdmission((namespace, name) -> Optional.of(
        ServiceAccount.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace(namespace).setName(name)).build()),
        new Random(1));
    return serviceAccounts.mutate(Kinds.POD, pod);
  }

  /**
   * What the second half of {@code objects} adds to the heap reachable from the first: the walk of
   * all minus that of the first half, so what they share counts in neither.
   */
  private static GraphLayout marginal(List<?> objects) {
    int half = objects.size() / 2;
    return GraphLayout.parseInstance(objects.toArray())
        .subtract(GraphLayout.parseInstance(objects.subList(0, half).toArray()));
  }
}
