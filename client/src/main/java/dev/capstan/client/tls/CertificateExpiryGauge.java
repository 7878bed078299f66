package dev.capstan.client.tls;

import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The metric {@value #NAME}: when each certificate a daemon presents expires, in seconds since
 * the Unix epoch, labelled by which certificate it is (as the kubelet's
 * certificate_manager_client_expiration_seconds). Alert on {@code NAME - time() < 7 * 86400}:
 * renewal starts at 70-90 % of a certificate's life, so a certificate that close to its end has
 * failed to renew for weeks. It is an {@link CertificateRotation.Observer}; register one per
 * registry.
 */
public final class CertificateExpiryGauge implements CertificateRotation.Observer {
  public static final String NAME = "capstan_certificate_expiration_seconds";
  private final Gauge gauge;

  private CertificateExpiryGauge(Gauge gauge) {
    this.gauge = gauge;
  }

  public static CertificateExpiryGauge register(PrometheusRegistry registry) {
    return new CertificateExpiryGauge(Gauge.builder().name(NAME)
        .help("When the certificate expires, in seconds since the Unix epoch")
        .labelNames("certificate").register(registry));
  }

  @Override
  public void inUse(String name, CertifiedKey certificate) {
    gauge.labelValues(name).set(certificate.notAfter().getEpochSecond());
  }
}
