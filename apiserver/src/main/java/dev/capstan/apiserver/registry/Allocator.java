package dev.capstan.apiserver.registry;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.capstan.apiserver.validation.FieldError;
import java.util.List;

/**
 * Values a kind's objects hold exclusively across the cluster (a Service's cluster IP and node
 * ports), each recorded under a store key of its own. The registry claims new records and
 * releases dropped ones in the same transaction that writes the object, the claim conditional on
 * the record being absent, so apiservers sharing one store never hand one value out twice and
 * never leak one.
 */
public interface Allocator<T extends Message> {
  /** One record a write must create; {@code requested} when the user asked for the value. */
  record Reservation(ByteString key, FieldError field, boolean requested) {}

  /** The object with its allocated values filled in, and the records to create and delete. */
  record Claim<T>(T object, List<Reservation> reserve, List<ByteString> release) {
    public static <T> Claim<T> none(T object) {
      return new Claim<>(object, List.of(), List.of());
    }
  }

  static <T extends Message> Allocator<T> none() {
    return new Allocator<>() {
      @Override
      public Claim<T> claim(T object, T old) {
        return Claim.none(object);
      }

      @Override
      public List<ByteString> held(T object) {
        return List.of();
      }
    };
  }

  /**
   * What storing {@code object} over {@code old} (null on create) takes and gives back. Values
   * left empty are picked among the free ones as the store shows them now; a value requested
   * outside the allowed range is refused with INVALID_ARGUMENT naming its field.
   */
  Claim<T> claim(T object, T old);

  /** The records {@code object} holds, released when it is deleted. */
  List<ByteString> held(T object);
}
