package dev.capstan.agent.testing;

import dev.capstan.agent.runtime.ContainerRuntime;
import java.nio.file.Path;

/**
 * A real container runtime started for a test class, in a directory of its own, with the busybox
 * image ({@link #BUSYBOX}) loaded; closing it removes everything it ran.
 */
public interface RuntimeFixture extends AutoCloseable {
  String BUSYBOX = "busybox:1.36";

  /** The fixture's own directory (the runtime's state and a place for the agent's data). */
  Path dir();

  ContainerRuntime runtime();

  /** A new runtime instance over the same backend, as a restarted agent opens; the caller closes it. */
  ContainerRuntime newRuntime();
}
