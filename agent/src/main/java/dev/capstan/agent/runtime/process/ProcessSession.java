package dev.capstan.agent.runtime.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The processes of one container: its main process, that process' descendants, and every process
 * still in the session the main process leads (started through {@code setsid}), which also catches
 * children that were orphaned and re-parented. Linux only: reads {@code /proc}.
 *
 * <p>A session's id is its leader's pid, so only processes in a session the main process created
 * match; without setsid (it shares the agent's session) the session walk simply finds nothing.
 */
final class ProcessSession {
  private final ProcessHandle leader;
  private final Set<ProcessHandle> seen = new LinkedHashSet<>();

  ProcessSession(ProcessHandle leader) {
    this.leader = leader;
  }

  /** Sends SIGTERM to every member. */
  synchronized void terminate() {
    for (ProcessHandle p : members()) {
      p.destroy();
    }
  }

  /** Sends SIGKILL to every member, including those seen at an earlier signal. */
  synchronized void kill() {
    for (ProcessHandle p : members()) {
      p.destroyForcibly();
    }
  }

  /** The live members, remembered so that a later kill reaches processes re-parented since. */
  private List<ProcessHandle> members() {
    if (leader.isAlive()) {
      seen.add(leader);
      leader.descendants().forEach(seen::add);
    }
    seen.addAll(sessionMembers(leader.pid()));
    long self = ProcessHandle.current().pid();
    seen.removeIf(p -> !p.isAlive() || p.pid() == self);
    return new ArrayList<>(seen);
  }

  private static List<ProcessHandle> sessionMembers(long sid) {
    List<ProcessHandle> out = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(Path.of("/proc"))) {
      dirs.forEach(dir -> {
        String name = dir.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          return;
        }
        long pid = Long.parseLong(name);
        if (sessionOf(pid).equals(OptionalLong.of(sid))) {
          ProcessHandle.of(pid).ifPresent(out::add);
        }
      });
    } catch (IOException | RuntimeException e) {
      // /proc unavailable: the descendants walk still covers the common cases.
    }
    return out;
  }

  /** Field 6 (session) of /proc/PID/stat; the command name in field 2 may contain spaces. */
  static OptionalLong sessionOf(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
      String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return OptionalLong.of(Long.parseLong(rest[3]));
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
  }
}
