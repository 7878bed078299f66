package dev.capstan.store.etcd;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/** Completes a unary gRPC call from a store future: the stamped response, or etcd's error status. */
final class UnaryReplies {

  private UnaryReplies() {}

  static <T> void reply(CompletableFuture<T> result, UnaryOperator<T> stamp, StreamObserver<T> observer) {
    result.whenComplete((response, error) -> {
      if (error != null) {
        observer.onError(EtcdGrpcErrors.toStatus(error));
        return;
      }
      T stamped;
      try {
        stamped = stamp.apply(response);
      } catch (RuntimeException e) {
        observer.onError(EtcdGrpcErrors.toStatus(e));
        return;
      }
      observer.onNext(stamped);
      observer.onCompleted();
    });
  }
}
