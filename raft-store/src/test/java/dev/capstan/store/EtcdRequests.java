package dev.capstan.store;

import com.google.protobuf.ByteString;
import dev.capstan.etcd.etcdserverpb.Compare;
import dev.capstan.etcd.etcdserverpb.DeleteRangeRequest;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.RequestOp;
import dev.capstan.etcd.etcdserverpb.WatchCreateRequest;

/** Short builders for the etcd requests tests send. */
public final class EtcdRequests {

  public static final ByteString ALL = ByteString.copyFrom(new byte[] {0});

  private EtcdRequests() {}

  public static ByteString bytes(String s) {
    return ByteString.copyFromUtf8(s);
  }

  /** The range end that selects every key starting with {@code prefix}. */
  public static ByteString prefixEnd(String prefix) {
    byte[] end = prefix.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    end[end.length - 1]++;
    return ByteString.copyFrom(end);
  }

  public static PutRequest put(String key, String value) {
    return PutRequest.newBuilder().setKey(bytes(key)).setValue(bytes(value)).build();
  }

  public static RangeRequest get(String key) {
    return RangeRequest.newBuilder().setKey(bytes(key)).build();
  }

  public static RangeRequest prefix(String prefix) {
    return RangeRequest.newBuilder().setKey(bytes(prefix)).setRangeEnd(prefixEnd(prefix)).build();
  }

  public static DeleteRangeRequest delete(String key) {
    return DeleteRangeRequest.newBuilder().setKey(bytes(key)).build();
  }

  public static RequestOp op(PutRequest put) {
    return RequestOp.newBuilder().setRequestPut(put).build();
  }

  public static RequestOp op(RangeRequest range) {
    return RequestOp.newBuilder().setRequestRange(range).build();
  }

  public static RequestOp op(DeleteRangeRequest delete) {
    return RequestOp.newBuilder().setRequestDeleteRange(delete).build();
  }

  public static Compare modEquals(String key, long modRevision) {
    return Compare.newBuilder().setKey(bytes(key)).setTarget(Compare.CompareTarget.MOD)
        .setResult(Compare.CompareResult.EQUAL).setModRevision(modRevision).build();
  }

  public static WatchCreateRequest watchPrefix(String prefix, long startRevision) {
    return WatchCreateRequest.newBuilder().setKey(bytes(prefix)).setRangeEnd(prefixEnd(prefix))
        .setStartRevision(startRevision).build();
  }
}
