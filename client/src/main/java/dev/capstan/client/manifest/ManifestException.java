package dev.capstan.client.manifest;

/**
 * A manifest that cannot be decoded. The message names the field Kubernetes-style, e.g.
 * {@code spec.template.spec.containers[0].imagee: unknown field}, and, beyond the first document
 * of a stream, the document: {@code document 2: spec.replicas: expected an integer, got "three"}.
 */
public final class ManifestException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String fieldPath;
  private final String detail;
  private final int documentIndex;

  ManifestException(String fieldPath, String detail, int documentIndex, Throwable cause) {
    super(format(fieldPath, detail, documentIndex), cause);
    this.fieldPath = fieldPath;
    this.detail = detail;
    this.documentIndex = documentIndex;
  }

  ManifestException(String fieldPath, String detail) {
    this(fieldPath, detail, 0, null);
  }

  /** The offending field, e.g. {@code spec.template.spec.containers[0].image}; "" for the whole document or stream. */
  public String fieldPath() {
    return fieldPath;
  }

  /** What is wrong with the field, e.g. {@code unknown field}. */
  public String detail() {
    return detail;
  }

  /** The 0-based index of the document in a multi-document stream (empty documents count). */
  public int documentIndex() {
    return documentIndex;
  }

  /** The same error, located in the given document. */
  ManifestException inDocument(int index) {
    ManifestException located = new ManifestException(fieldPath, detail, index, getCause());
    located.setStackTrace(getStackTrace());
    return located;
  }

  private static String format(String fieldPath, String detail, int documentIndex) {
    String where = documentIndex > 0 ? "document " + (documentIndex + 1) + ": " : "";
    return where + (fieldPath.isEmpty() ? "" : fieldPath + ": ") + detail;
  }
}
