package dev.capstan.apiserver.allocation;

import dev.capstan.api.core.v1.ServiceSpec;
import java.util.List;

/**
 * The Service types and what each one holds: ClusterIP, NodePort and LoadBalancer get a cluster
 * IP unless headless ({@code clusterIP: None}); NodePort and LoadBalancer also get a node port per
 * port (LoadBalancer as on a cluster without a cloud provider: its ingress stays empty);
 * ExternalName gets neither.
 */
public final class ServiceTypes {
  public static final String CLUSTER_IP = "ClusterIP";
  public static final String NODE_PORT = "NodePort";
  public static final String LOAD_BALANCER = "LoadBalancer";
  public static final String EXTERNAL_NAME = "ExternalName";
  public static final List<String> ALL = List.of(CLUSTER_IP, NODE_PORT, LOAD_BALANCER, EXTERNAL_NAME);
  /** The clusterIP of a headless Service. */
  public static final String NONE = "None";

  private ServiceTypes() {}

  public static boolean needsClusterIp(ServiceSpec spec) {
    return !spec.getType().equals(EXTERNAL_NAME) && !spec.getClusterIp().equals(NONE);
  }

  public static boolean needsNodePorts(ServiceSpec spec) {
    return spec.getType().equals(NODE_PORT) || spec.getType().equals(LOAD_BALANCER);
  }
}
