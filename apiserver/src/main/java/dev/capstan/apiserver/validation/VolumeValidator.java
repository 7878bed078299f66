package dev.capstan.apiserver.validation;

import dev.capstan.api.core.v1.DownwardAPIVolumeFile;
import dev.capstan.api.core.v1.KeyToPath;
import dev.capstan.api.core.v1.ProjectedVolumeSource;
import dev.capstan.api.core.v1.ServiceAccountTokenProjection;
import dev.capstan.api.core.v1.Volume;
import dev.capstan.api.core.v1.VolumeProjection;
import dev.capstan.apiserver.service.ServiceAccountTokenRequests;
import dev.capstan.client.quantity.Quantity;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a pod spec's {@code volumes} as Kubernetes' ValidateVolumes does: names are unique DNS
 * labels, each volume has exactly one type (emptyDir, configMap, secret, hostPath, downwardAPI,
 * projected), and each type's fields hold. File paths (items, downwardAPI files, a token's path)
 * are relative without {@code ..}; modes are 0..0777. A projected volume's sources each set
 * exactly one of secret, configMap, downwardAPI and serviceAccountToken, and no two of its files
 * share a path; a token lives at least {@value ServiceAccountTokenRequests#MIN_EXPIRATION_SECONDS}
 * seconds, as a TokenRequest must.
 */
final class VolumeValidator {
  private static final String[] HOST_PATH_TYPES =
      {"", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"};
  /** The pod fields a downwardAPI file may hold (Kubernetes' volume subset; no status fields). */
  private static final String[] DOWNWARD_FIELDS =
      {"metadata.name", "metadata.namespace", "metadata.uid", "metadata.labels", "metadata.annotations"};
  private static final Pattern ONE_LABEL_OR_ANNOTATION =
      Pattern.compile("metadata\\.(labels|annotations)\\['[^']+'\\]");

  private VolumeValidator() {}

  /** Checks every volume; returns the names of the volumes, for the containers' volumeMounts. */
  static Set<String> volumes(List<Volume> volumes, FieldPath path, List<FieldError> errors) {
    Set<String> names = new HashSet<>();
    for (int i = 0; i < volumes.size(); i++) {
      Volume volume = volumes.get(i);
      FieldPath at = path.index(i);
      if (volume.getName().isEmpty()) {
        errors.add(at.child("name").required());
      } else {
        Optional<String> why = NameSyntax.dns1123Label(volume.getName());
        if (why.isPresent()) {
          errors.add(at.child("name").invalid(volume.getName(), why.get()));
        } else if (!names.add(volume.getName())) {
          errors.add(at.child("name").duplicate(volume.getName()));
        }
      }
      volumeSource(volume, at, errors);
    }
    return names;
  }

  private static void volumeSource(Volume volume, FieldPath path, List<FieldError> errors) {
    int sources = (volume.hasEmptyDir() ? 1 : 0) + (volume.hasConfigMap() ? 1 : 0) + (volume.hasSecret() ? 1 : 0)
        + (volume.hasHostPath() ? 1 : 0) + (volume.hasProjected() ? 1 : 0) + (volume.hasDownwardApi() ? 1 : 0);
    if (sources == 0) {
      errors.add(path.error("must specify a volume type"));
    } else if (sources > 1) {
      errors.add(path.error("may not specify more than 1 volume type"));
    }
    if (volume.hasEmptyDir()) {
      FieldPath at = path.child("emptyDir");
      String medium = volume.getEmptyDir().getMedium();
      if (!medium.isEmpty() && !medium.equals("Memory")) {
        errors.add(at.child("medium").unsupported(medium, "", "Memory"));
      }
      String sizeLimit = volume.getEmptyDir().getSizeLimit();
      if (!sizeLimit.isEmpty()) {
        try {
          Quantity.parse(sizeLimit);
        } catch (IllegalArgumentException e) {
          errors.add(at.child("sizeLimit").error(e.getMessage()));
        }
      }
    }
    if (volume.hasConfigMap()) {
      FieldPath at = path.child("configMap");
      if (volume.getConfigMap().getName().isEmpty()) {
        errors.add(at.child("name").required());
      }
      items(volume.getConfigMap().getItemsList(), at.child("items"), null, errors);
      if (volume.getConfigMap().hasDefaultMode()) {
        mode(volume.getConfigMap().getDefaultMode(), at.child("defaultMode"), errors);
      }
    }
    if (volume.hasSecret()) {
      FieldPath at = path.child("secret");
      if (volume.getSecret().getSecretName().isEmpty()) {
        errors.add(at.child("secretName").required());
      }
      items(volume.getSecret().getItemsList(), at.child("items"), null, errors);
      if (volume.getSecret().hasDefaultMode()) {
        mode(volume.getSecret().getDefaultMode(), at.child("defaultMode"), errors);
      }
    }
    if (volume.hasHostPath()) {
      FieldPath at = path.child("hostPath");
      if (volume.getHostPath().getPath().isEmpty()) {
        errors.add(at.child("path").required());
      }
      String type = volume.getHostPath().getType();
      if (!List.of(HOST_PATH_TYPES).contains(type)) {
        errors.add(at.child("type").unsupported(type, HOST_PATH_TYPES));
      }
    }
    if (volume.hasDownwardApi()) {
      FieldPath at = path.child("downwardAPI");
      downwardFiles(volume.getDownwardApi().getItemsList(), at.child("items"), null, errors);
      if (volume.getDownwardApi().hasDefaultMode()) {
        mode(volume.getDownwardApi().getDefaultMode(), at.child("defaultMode"), errors);
      }
    }
    if (volume.hasProjected()) {
      projected(volume.getProjected(), path.child("projected"), errors);
    }
  }

  private static void projected(ProjectedVolumeSource projected, FieldPath path, List<FieldError> errors) {
    if (projected.hasDefaultMode()) {
      mode(projected.getDefaultMode(), path.child("defaultMode"), errors);
    }
    Set<String> paths = new HashSet<>();  // across sources: two files at one path would overwrite each other
    for (int i = 0; i < projected.getSourcesCount(); i++) {
      VolumeProjection source = projected.getSources(i);
      FieldPath at = path.child("sources").index(i);
      int kinds = (source.hasSecret() ? 1 : 0) + (source.hasConfigMap() ? 1 : 0) + (source.hasDownwardApi() ? 1 : 0)
          + (source.hasServiceAccountToken() ? 1 : 0);
      if (kinds != 1) {
        errors.add(at.error(kinds == 0 ? "must specify exactly 1 of secret, configMap, downwardAPI,"
            + " serviceAccountToken" : "may not specify more than 1 source per projection"));
      }
      if (source.hasSecret()) {
        FieldPath secret = at.child("secret");
        if (source.getSecret().getName().isEmpty()) {
          errors.add(secret.child("name").required());
        }
        items(source.getSecret().getItemsList(), secret.child("items"), paths, errors);
      }
      if (source.hasConfigMap()) {
        FieldPath configMap = at.child("configMap");
        if (source.getConfigMap().getName().isEmpty()) {
          errors.add(configMap.child("name").required());
        }
        items(source.getConfigMap().getItemsList(), configMap.child("items"), paths, errors);
      }
      if (source.hasDownwardApi()) {
        downwardFiles(source.getDownwardApi().getItemsList(), at.child("downwardAPI").child("items"), paths, errors);
      }
      if (source.hasServiceAccountToken()) {
        serviceAccountToken(source.getServiceAccountToken(), at.child("serviceAccountToken"), paths, errors);
      }
    }
  }

  private static void serviceAccountToken(ServiceAccountTokenProjection token, FieldPath path, Set<String> paths,
      List<FieldError> errors) {
    if (token.hasExpirationSeconds()) {
      long seconds = token.getExpirationSeconds();
      if (seconds < ServiceAccountTokenRequests.MIN_EXPIRATION_SECONDS) {
        errors.add(path.child("expirationSeconds").error("must be at least "
            + ServiceAccountTokenRequests.MIN_EXPIRATION_SECONDS));
      } else if (seconds > ServiceAccountTokenRequests.MAX_EXPIRATION_SECONDS) {
        errors.add(path.child("expirationSeconds").error("must not be more than 2^32 (4294967296)"));
      }
    }
    filePath(token.getPath(), path.child("path"), paths, errors);
  }

  private static void downwardFiles(List<DownwardAPIVolumeFile> files, FieldPath path, Set<String> paths,
      List<FieldError> errors) {
    for (int i = 0; i < files.size(); i++) {
      DownwardAPIVolumeFile file = files.get(i);
      FieldPath at = path.index(i);
      filePath(file.getPath(), at.child("path"), paths, errors);
      if (!file.hasFieldRef()) {
        errors.add(at.child("fieldRef").required());
      } else {
        String field = file.getFieldRef().getFieldPath();
        FieldPath fieldPath = at.child("fieldRef").child("fieldPath");
        if (field.isEmpty()) {
          errors.add(fieldPath.required());
        } else if (!List.of(DOWNWARD_FIELDS).contains(field) && !ONE_LABEL_OR_ANNOTATION.matcher(field).matches()) {
          errors.add(fieldPath.unsupported(field, DOWNWARD_FIELDS));
        }
      }
      if (file.hasMode()) {
        mode(file.getMode(), at.child("mode"), errors);
      }
    }
  }

  private static void items(List<KeyToPath> items, FieldPath path, Set<String> paths, List<FieldError> errors) {
    for (int i = 0; i < items.size(); i++) {
      KeyToPath item = items.get(i);
      FieldPath at = path.index(i);
      if (item.getKey().isEmpty()) {
        errors.add(at.child("key").required());
      }
      filePath(item.getPath(), at.child("path"), paths, errors);
      if (item.hasMode()) {
        mode(item.getMode(), at.child("mode"), errors);
      }
    }
  }

  /**
   * A file's path in its volume: required, relative, without "..", and, for a projected volume
   * ({@code paths} not null: the paths seen so far), unique among its files, as Kubernetes checks.
   */
  private static void filePath(String file, FieldPath path, Set<String> paths, List<FieldError> errors) {
    if (file.isEmpty()) {
      errors.add(path.required());
    } else if (!isRelativeWithoutBacksteps(file) || file.startsWith("..")) {
      errors.add(path.invalid(file, "must be a relative path without '..'"));
    } else if (paths != null && !paths.add(file)) {
      errors.add(path.error("conflicting duplicate paths: " + file));
    }
  }

  private static void mode(int mode, FieldPath path, List<FieldError> errors) {
    if (mode < 0 || mode > 0777) {
      errors.add(path.error("must be a number between 0 and 0777 (octal), both inclusive"));
    }
  }

  /** True for a relative path none of whose segments is "..". */
  static boolean isRelativeWithoutBacksteps(String path) {
    if (path.startsWith("/")) {
      return false;
    }
    for (String segment : path.split("/")) {
      if (segment.equals("..")) {
        return false;
      }
    }
    return true;
  }
}
