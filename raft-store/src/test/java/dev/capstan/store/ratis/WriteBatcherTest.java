package dev.capstan.store.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.etcd.etcdserverpb.PutResponse;
import dev.capstan.etcd.etcdserverpb.ResponseHeader;
import dev.capstan.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.ratis.protocol.Message;
import org.junit.jupiter.api.Test;

/** The batching rules, with a hand-driven commit in place of Raft. */
class WriteBatcherTest {

  /** Records each entry sent and lets the test complete it. */
  private static final class Entries {
    final List<Message> sent = new ArrayList<>();
    final List<CompletableFuture<Message>> replies = new ArrayList<>();

    synchronized CompletableFuture<Message> commit(Message entry) {
      sent.add(entry);
      CompletableFuture<Message> reply = new CompletableFuture<>();
      replies.add(reply);
      return reply;
    }
  }

  private static Message command(String text) {
    return Message.valueOf(text);
  }

  private static String text(Message message) {
    return message.getContent().toStringUtf8();
  }

  private static Message ok(long revision) {
    return StoreEnvelope.ok(PutResponse.newBuilder()
        .setHeader(ResponseHeader.newBuilder().setRevision(revision)).build());
  }

  private static long revision(Message reply) {
    return StoreEnvelope.parseReply(reply, PutResponse::parseFrom).getHeader().getRevision();
  }

  @Test
  void aLoneWriteIsSentAtOnceAsItself() {
    Entries entries = new Entries();
    WriteBatcher batcher = new WriteBatcher(entries::commit, 1, 128, 1 << 20);
    CompletableFuture<Message> reply = batcher.submit(command("a"));
    assertThat(entries.sent).extracting(WriteBatcherTest::text).containsExactly("a");
    entries.replies.get(0).complete(ok(7));
    assertThat(revision(reply.join())).isEqualTo(7);
  }

  @Test
  void writesQueuedBehindFullPipelineLeaveTogetherAsOneBatchInOrder() {
    Entries entries = new Entries();
    StoreStats stats = new StoreStats();
    WriteBatcher batcher = new WriteBatcher(entries::commit, 1, 128, 1 << 20, stats);
    CompletableFuture<Message> first = batcher.submit(command("a"));
    CompletableFuture<Message> second = batcher.submit(command("b"));
    CompletableFuture<Message> third = batcher.submit(command("c"));
    assertThat(entries.sent).hasSize(1);

    entries.replies.get(0).complete(ok(2));
    assertThat(revision(first.join())).isEqualTo(2);
    assertThat(entries.sent).hasSize(2);
    byte[] batch = entries.sent.get(1).getContent().toByteArray();
    assertThat(batch[0]).isEqualTo(StoreEnvelope.COMMAND_BATCH);
    List<byte[]> commands = StoreEnvelope.batchCommands(StoreEnvelope.decode(batch).body());
    assertThat(commands).extracting(b -> new String(b, StandardCharsets.UTF_8)).containsExactly("b", "c");
    assertThat(stats.writeEntries()).isEqualTo(2);
    assertThat(stats.writeCommands()).isEqualTo(3);

    entries.replies.get(1).complete(StoreEnvelope.batchReply(List.of(ok(3),
        StoreEnvelope.error(new StoreException(StoreException.Code.INVALID_ARGUMENT, "bad c")))));
    assertThat(revision(second.join())).isEqualTo(3);
    assertThatThrownBy(() -> revision(third.join())).isInstanceOf(StoreException.class).hasMessage("bad c");
  }

  @Test
  void aBatchStopsAtTheByteLimitButAlwaysTakesOne() {
    Entries entries = new Entries();
    WriteBatcher batcher = new WriteBatcher(entries::commit, 1, 128, 10);
    batcher.submit(command("first"));
    batcher.submit(command("12345"));
    batcher.submit(command("6789"));
    batcher.submit(command("0"));
    batcher.submit(command("this one is larger than ten bytes"));
    entries.replies.get(0).complete(ok(1));
    // "12345" + "6789" + "0" fill the 10 bytes; the large one would pass them.
    assertThat(batchOf(entries.sent.get(1))).containsExactly("12345", "6789", "0");
    entries.replies.get(1).complete(StoreEnvelope.batchReply(List.of(ok(2), ok(3), ok(4))));
    assertThat(text(entries.sent.get(2))).as("alone, although over the limit").isEqualTo("this one is larger than ten bytes");
  }

  @Test
  void aBatchStopsAtTheCommandLimit() {
    Entries entries = new Entries();
    WriteBatcher batcher = new WriteBatcher(entries::commit, 1, 2, 1 << 20);
    for (String c : List.of("a", "b", "c", "d")) {
      batcher.submit(command(c));
    }
    entries.replies.get(0).complete(ok(1));
    assertThat(batchOf(entries.sent.get(1))).containsExactly("b", "c");
    entries.replies.get(1).complete(StoreEnvelope.batchReply(List.of(ok(2), ok(3))));
    assertThat(text(entries.sent.get(2))).isEqualTo("d");
  }

  private static List<String> batchOf(Message entry) {
    byte[] bytes = entry.getContent().toByteArray();
    assertThat(bytes[0]).isEqualTo(StoreEnvelope.COMMAND_BATCH);
    return StoreEnvelope.batchCommands(StoreEnvelope.decode(bytes).body()).stream()
        .map(b -> new String(b, StandardCharsets.UTF_8)).toList();
  }

  @Test
  void upToMaxInFlightEntriesGoOutBeforeWritesQueue() {
    Entries entries = new Entries();
    WriteBatcher batcher = new WriteBatcher(entries::commit, 3, 128, 1 << 20);
    for (int i = 0; i < 5; i++) {
      batcher.submit(command("w" + i));
    }
    assertThat(entries.sent).hasSize(3);
    entries.replies.get(1).complete(ok(2));
    assertThat(entries.sent).hasSize(4);
    assertThat(StoreEnvelope.decode(entries.sent.get(3).getContent().toByteArray()).kind())
        .isEqualTo(StoreEnvelope.COMMAND_BATCH);
  }

  @Test
  void theNextEntryLeavesBeforeTheCompletedEntrysWritesAreAnswered() {
    Entries entries = new Entries();
    WriteBatcher batcher = new WriteBatcher(entries::commit, 1, 128, 1 << 20);
    CompletableFuture<Message> first = batcher.submit(command("a"));
    batcher.submit(command("b"));
    List<Integer> entriesSentWhenAnswered = new ArrayList<>();
    first.thenRun(() -> entriesSentWhenAnswered.add(entries.sent.size()));

    entries.replies.get(0).complete(ok(2));

    assertThat(entriesSentWhenAnswered).as("entries sent when the first write's writer ran").containsExactly(2);
    assertThat(text(entries.sent.get(1))).isEqualTo("b");
  }

  @Test
  void anEntryThatFailsToSendStillAnswersTheCompletedEntrysWrites() {
    Entries entries = new Entries();
    boolean[] refuse = {false};
    WriteBatcher batcher = new WriteBatcher(m -> {
      if (refuse[0]) {
        throw new IllegalStateException("client closed");
      }
      return entries.commit(m);
    }, 1, 128, 1 << 20);
    CompletableFuture<Message> first = batcher.submit(command("a"));
    CompletableFuture<Message> second = batcher.submit(command("b"));
    refuse[0] = true;

    entries.replies.get(0).complete(ok(2));

    assertThat(revision(first.join())).isEqualTo(2);
    assertThatThrownBy(second::get).isInstanceOf(ExecutionException.class).hasRootCauseMessage("client closed");
  }

  @Test
  void aFailedEntryFailsEveryWriteInItAndTheNextBatchStillGoes() {
    Entries entries = new Entries();
    WriteBatcher batcher = new WriteBatcher(entries::commit, 1, 128, 1 << 20);
    batcher.submit(command("a"));
    CompletableFuture<Message> b = batcher.submit(command("b"));
    CompletableFuture<Message> c = batcher.submit(command("c"));
    entries.replies.get(0).complete(ok(2));
    CompletableFuture<Message> d = batcher.submit(command("d"));
    entries.replies.get(1).completeExceptionally(new StoreException(StoreException.Code.NO_LEADER, "etcdserver: no leader"));
    assertThatThrownBy(b::get).isInstanceOf(ExecutionException.class).hasRootCauseMessage("etcdserver: no leader");
    assertThatThrownBy(c::get).isInstanceOf(ExecutionException.class).hasRootCauseMessage("etcdserver: no leader");
    assertThat(entries.sent).hasSize(3);
    assertThat(text(entries.sent.get(2))).isEqualTo("d");
    entries.replies.get(2).complete(ok(3));
    assertThat(revision(d.join())).isEqualTo(3);
  }

  @Test
  void anErrorReplyToAWholeBatchIsEveryWritesReply() {
    Message error = StoreEnvelope.error(new StoreException(StoreException.Code.INTERNAL, "unreadable store command"));
    assertThat(StoreEnvelope.splitBatchReply(error, 3)).containsExactly(error, error, error);
  }

  @Test
  void rejectsNonPositiveLimits() {
    assertThatThrownBy(() -> new WriteBatcher(m -> null, 0, 1, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxInFlight=0");
  }
}
