package dev.capstan.apiserver.authz;

/** Decides whether a request is allowed; implementations never throw for a denial. */
public interface Authorizer {
  boolean allows(RequestAttributes request);
}
