package dev.capstan.scheduler.framework;

/**
 * An amount of the two resources the scheduler accounts for: CPU in millicores and memory in
 * bytes. Immutable.
 */
public record Resource(long milliCpu, long memory) {
  public static final Resource ZERO = new Resource(0, 0);

  public Resource plus(Resource other) {
    return new Resource(milliCpu + other.milliCpu, memory + other.memory);
  }

  public Resource minus(Resource other) {
    return new Resource(milliCpu - other.milliCpu, memory - other.memory);
  }

  /** Each resource the larger of the two: how an init container's needs combine with the rest. */
  public Resource max(Resource other) {
    return new Resource(Math.max(milliCpu, other.milliCpu), Math.max(memory, other.memory));
  }
}
