package dev.capstan.cli.daemon;

import dev.capstan.apiserver.authn.TokenFile;
import dev.capstan.apiserver.authn.UserInfo;
import dev.capstan.apiserver.authz.BootstrapPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The static token file of a single-node cluster: created on the first {@code capstan up} with a
 * random token (32 bytes from {@link SecureRandom}) for the admin (group system:masters), the
 * scheduler, the controller manager, the embedded agent's node user and (in a new file only)
 * the bootstrap token agents join with (group system:bootstrappers, good for asking a node
 * certificate only); kept across restarts,
 * readable by its owner only (0600). Users missing from an existing file (say, a new node name)
 * are added; existing tokens are never changed.
 */
public final class ClusterTokens {
  public static final String ADMIN = "admin";
  /** The user of the bootstrap token agents join with (group system:bootstrappers). */
  public static final String BOOTSTRAP = "system:bootstrap:capstan";

  private final Path file;
  private final List<TokenFile.Entry> entries;

  private ClusterTokens(Path file, List<TokenFile.Entry> entries) {
    this.file = file;
    this.entries = List.copyOf(entries);
  }

  /**
   * Reads the file, adding the users a cluster needs: the admin, the scheduler, the controller
   * manager and, unless {@code nodeName} is null, that agent node.
   */
  public static ClusterTokens ensure(Path file, String nodeName, SecureRandom random) {
    List<TokenFile.Entry> entries = new ArrayList<>(Files.exists(file) ? TokenFile.read(file) : List.of());
    List<UserInfo> needed = new ArrayList<>(List.of(
        new UserInfo(ADMIN, "admin", List.of(UserInfo.SYSTEM_MASTERS)),
        new UserInfo(BootstrapPolicy.SCHEDULER, "kube-scheduler", List.of()),
        new UserInfo(BootstrapPolicy.CONTROLLER_MANAGER, "kube-controller-manager", List.of())));
    if (!Files.exists(file)) {
      // Only in a new file: servers sharing an operator's file must not each add a different one.
      needed.add(new UserInfo(BOOTSTRAP, "bootstrap-capstan", List.of(BootstrapPolicy.BOOTSTRAPPERS)));
    }
    if (nodeName != null) {
      needed.add(new UserInfo(UserInfo.NODE_USER_PREFIX + nodeName, "node-" + nodeName, List.of(UserInfo.SYSTEM_NODES)));
    }
    boolean changed = !Files.exists(file);
    for (UserInfo user : needed) {
      if (entries.stream().noneMatch(e -> e.user().name().equals(user.name()))) {
        entries.add(new TokenFile.Entry(newToken(random), user));
        changed = true;
      }
    }
    if (changed) {
      write(file, entries);
    }
    return new ClusterTokens(file, entries);
  }

  public Path file() {
    return file;
  }

  public List<TokenFile.Entry> entries() {
    return entries;
  }

  /** The token of a user in the file. */
  public String tokenOf(String userName) {
    return find(userName).orElseThrow(() -> new IllegalStateException("no token for user \"" + userName
        + "\" in " + file));
  }

  public String nodeToken(String nodeName) {
    return tokenOf(UserInfo.NODE_USER_PREFIX + nodeName);
  }

  private Optional<String> find(String userName) {
    return entries.stream().filter(e -> e.user().name().equals(userName)).map(TokenFile.Entry::token).findFirst();
  }

  static String newToken(SecureRandom random) {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static void write(Path file, List<TokenFile.Entry> entries) {
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      // Written to a private temporary file first, so the tokens are never readable by others.
      Path tmp = Files.createTempFile(dir, ".tokens", ".tmp");
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException notPosix) {
        // nothing finer to do on this file system
      }
      Files.writeString(tmp, "# capstan static tokens: token,user,uid,\"groups\"\n" + TokenFile.format(entries),
          StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the token file " + file + ": " + e.getMessage(), e);
    }
  }
}
