package dev.capstan.apiserver.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.ContainerPort;
import dev.capstan.api.core.v1.EnvVar;
import dev.capstan.api.core.v1.EnvVarSource;
import dev.capstan.api.core.v1.ExecAction;
import dev.capstan.api.core.v1.HostPathVolumeSource;
import dev.capstan.api.core.v1.ObjectFieldSelector;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.Probe;
import dev.capstan.api.core.v1.TCPSocketAction;
import dev.capstan.api.core.v1.Toleration;
import dev.capstan.api.core.v1.Volume;
import dev.capstan.api.core.v1.VolumeMount;
import dev.capstan.client.Kinds;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class PodValidatorTest {
  private final Validator<Pod> validator = Validators.forKind(Kinds.POD);

  private List<String> errorsAfter(Consumer<PodSpec.Builder> change) {
    PodSpec.Builder spec = Fixtures.podSpec().toBuilder();
    change.accept(spec);
    return validator.validate(Fixtures.pod().toBuilder().setSpec(spec).build(), null).stream()
        .map(FieldError::toString).toList();
  }

  private List<String> containerErrorsAfter(Consumer<Container.Builder> change) {
    return errorsAfter(spec -> change.accept(spec.getContainersBuilder(0)));
  }

  private List<String> updateErrors(Consumer<PodSpec.Builder> oldChange, Consumer<PodSpec.Builder> newChange) {
    PodSpec.Builder oldSpec = Fixtures.podSpec().toBuilder();
    oldChange.accept(oldSpec);
    PodSpec.Builder newSpec = oldSpec.build().toBuilder();
    newChange.accept(newSpec);
    Pod old = Fixtures.pod().toBuilder().setSpec(oldSpec).build();
    return validator.validate(old.toBuilder().setSpec(newSpec).build(), old).stream().map(FieldError::toString).toList();
  }

  @Test
  void validPodHasNoErrors() {
    assertThat(validator.validate(Fixtures.pod(), null)).isEmpty();
  }

  @Test
  void atLeastOneContainerIsRequired() {
    assertThat(errorsAfter(PodSpec.Builder::clearContainers)).containsExactly("spec.containers: required");
  }

  @Test
  void containerNamesAreRequiredLabelsAndUnique() {
    assertThat(containerErrorsAfter(c -> c.setName(""))).containsExactly("spec.containers[0].name: required");
    assertThat(containerErrorsAfter(c -> c.setName("Web"))).singleElement().asString()
        .startsWith("spec.containers[0].name: invalid value \"Web\": a lowercase RFC 1123 label");
    assertThat(errorsAfter(s -> s.getContainersBuilder(1).setName("web")))
        .containsExactly("spec.containers[1].name: duplicate value \"web\"");
    assertThat(errorsAfter(s -> s.addInitContainers(Container.newBuilder().setName("web").setImage("busybox"))))
        .as("init containers share the name space")
        .containsExactly("spec.containers[0].name: duplicate value \"web\"");
  }

  @Test
  void imageIsRequired() {
    assertThat(containerErrorsAfter(c -> c.setImage(""))).containsExactly("spec.containers[0].image: required");
    assertThat(containerErrorsAfter(c -> c.setImage(" nginx"))).containsExactly(
        "spec.containers[0].image: invalid value \" nginx\": must not have leading or trailing whitespace");
  }

  @Test
  void portsAreInRange() {
    assertThat(containerErrorsAfter(c -> c.setPorts(0, ContainerPort.newBuilder())))
        .containsExactly("spec.containers[0].ports[0].containerPort: required");
    assertThat(containerErrorsAfter(c -> c.setPorts(0, ContainerPort.newBuilder().setContainerPort(70000))))
        .containsExactly("spec.containers[0].ports[0].containerPort: must be between 1 and 65535, inclusive");
    assertThat(containerErrorsAfter(c -> c.setPorts(0, ContainerPort.newBuilder().setContainerPort(80).setHostPort(-1))))
        .containsExactly("spec.containers[0].ports[0].hostPort: must be between 0 and 65535, inclusive");
    assertThat(containerErrorsAfter(c -> c.setPorts(0, ContainerPort.newBuilder().setContainerPort(80).setProtocol("ICMP"))))
        .containsExactly("spec.containers[0].ports[0].protocol: unsupported value \"ICMP\": supported values:"
            + " \"TCP\", \"UDP\", \"SCTP\"");
    assertThat(containerErrorsAfter(c -> c.addPorts(ContainerPort.newBuilder().setName("http").setContainerPort(81))))
        .containsExactly("spec.containers[0].ports[1].name: duplicate value \"http\"");
  }

  @Test
  void namedPortsAreIanaServiceNames() {
    for (String good : List.of("http", "web-80", "a", "x1234567890abcd")) {
      assertThat(containerErrorsAfter(c -> c.setPorts(0, ContainerPort.newBuilder().setName(good).setContainerPort(80))))
          .as(good).isEmpty();
    }
    Map<String, String> bad = Map.of("Http", "alphanumeric characters (a-z, 0-9) and '-'",
        "-http", "start and end with an alphanumeric", "http-", "start and end with an alphanumeric",
        "web--80", "must not contain consecutive hyphens", "8080", "must contain at least one letter (a-z)",
        "x1234567890abcde", "must be no more than 15 characters", "h_p", "alphanumeric characters (a-z, 0-9) and '-'");
    bad.forEach((name, why) -> assertThat(containerErrorsAfter(c -> c.setPorts(0, ContainerPort.newBuilder()
        .setName(name).setContainerPort(80)))).as(name).singleElement().asString()
        .startsWith("spec.containers[0].ports[0].name: ").contains(why));
  }

  @Test
  void twoContainersMayNotClaimTheSameHostPort() {
    assertThat(errorsAfter(s -> {
      s.getContainersBuilder(0).setPorts(0, ContainerPort.newBuilder().setContainerPort(80).setHostPort(8080));
      s.getContainersBuilder(1).addPorts(ContainerPort.newBuilder().setContainerPort(81).setHostPort(8080));
    })).containsExactly("spec.containers[1].ports[0].hostPort: duplicate value \"8080/TCP\"");
  }

  @Test
  void restartPolicyIsOneOfThree() {
    assertThat(errorsAfter(s -> s.setRestartPolicy("Sometimes"))).containsExactly(
        "spec.restartPolicy: unsupported value \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"");
    assertThat(errorsAfter(s -> s.setRestartPolicy("Never"))).isEmpty();
  }

  @Test
  void resourceQuantitiesParseAndRequestsStayWithinLimits() {
    assertThat(containerErrorsAfter(c -> c.getResourcesBuilder().putLimits("cpu", "lots")))
        .singleElement().asString()
        .startsWith("spec.containers[0].resources.limits[cpu]: invalid quantity \"lots\": quantities must match");
    assertThat(containerErrorsAfter(c -> c.getResourcesBuilder().putRequests("cpu", "1")))
        .containsExactly("spec.containers[0].resources.requests[cpu]: invalid value \"1\":"
            + " must be less than or equal to cpu limit of 500m");
    assertThat(containerErrorsAfter(c -> c.getResourcesBuilder().putRequests("memory", "-1Mi")))
        .containsExactly("spec.containers[0].resources.requests[memory]: must be greater than or equal to 0");
    assertThat(containerErrorsAfter(c -> c.getResourcesBuilder().putRequests("memory", "128Mi"))).isEmpty();
  }

  @Test
  void envNamesAreRequiredAndValid() {
    assertThat(containerErrorsAfter(c -> c.addEnv(EnvVar.newBuilder().setValue("x"))))
        .containsExactly("spec.containers[0].env[1].name: required");
    assertThat(containerErrorsAfter(c -> c.addEnv(EnvVar.newBuilder().setName("1ST")))).singleElement().asString()
        .startsWith("spec.containers[0].env[1].name: invalid value \"1ST\": a valid environment variable name");
    assertThat(containerErrorsAfter(c -> c.addEnv(EnvVar.newBuilder().setName("NODE").setValue("x")
        .setValueFrom(EnvVarSource.newBuilder().setFieldRef(ObjectFieldSelector.newBuilder().setFieldPath("spec.nodeName"))))))
        .containsExactly("spec.containers[0].env[1].valueFrom: may not be specified when `value` is not empty");
    assertThat(containerErrorsAfter(c -> c.addEnv(EnvVar.newBuilder().setName("NODE")
        .setValueFrom(EnvVarSource.getDefaultInstance()))))
        .containsExactly("spec.containers[0].env[1].valueFrom: must specify one of: `fieldRef`, `configMapKeyRef`"
            + " or `secretKeyRef`");
  }

  @Test
  void volumeNamesAreUniqueAndMountsNameAVolume() {
    assertThat(errorsAfter(s -> s.addVolumes(Volume.newBuilder().setName("cache")
        .setHostPath(HostPathVolumeSource.newBuilder().setPath("/tmp")))))
        .containsExactly("spec.volumes[1].name: duplicate value \"cache\"");
    assertThat(containerErrorsAfter(c -> c.addVolumeMounts(VolumeMount.newBuilder().setName("data").setMountPath("/data"))))
        .containsExactly("spec.containers[0].volumeMounts[1].name: not found: \"data\"");
    assertThat(containerErrorsAfter(c -> c.addVolumeMounts(VolumeMount.newBuilder().setName("cache").setMountPath("/cache"))))
        .containsExactly("spec.containers[0].volumeMounts[1].mountPath: invalid value \"/cache\": must be unique");
    assertThat(errorsAfter(s -> s.addVolumes(Volume.newBuilder().setName("empty"))))
        .containsExactly("spec.volumes[1]: must specify a volume type");
  }

  @Test
  void probesHaveExactlyOneHandler() {
    assertThat(containerErrorsAfter(c -> c.setLivenessProbe(Probe.newBuilder().setPeriodSeconds(5))))
        .containsExactly("spec.containers[0].livenessProbe: must specify a handler type");
    assertThat(containerErrorsAfter(c -> c.setLivenessProbe(Probe.newBuilder()
        .setExec(ExecAction.newBuilder().addCommand("true"))
        .setTcpSocket(TCPSocketAction.newBuilder().setPort("80")))))
        .containsExactly("spec.containers[0].livenessProbe: may not specify more than 1 handler type");
    assertThat(containerErrorsAfter(c -> c.setLivenessProbe(Probe.newBuilder()
        .setTcpSocket(TCPSocketAction.newBuilder().setPort("99999")))))
        .containsExactly("spec.containers[0].livenessProbe.tcpSocket.port: invalid value \"99999\":"
            + " must be between 1 and 65535, inclusive");
    assertThat(containerErrorsAfter(c -> c.setLivenessProbe(Probe.newBuilder()
        .setExec(ExecAction.newBuilder().addCommand("true")).setSuccessThreshold(2))))
        .containsExactly("spec.containers[0].livenessProbe.successThreshold: must be 1");
  }

  @Test
  void tolerationsFollowKubernetesRules() {
    assertThat(errorsAfter(s -> s.addTolerations(Toleration.newBuilder().setOperator("Equal").setValue("x"))))
        .containsExactly("spec.tolerations[0].operator: must be Exists when `key` is empty, which means"
            + " \"match all values and all keys\"");
    assertThat(errorsAfter(s -> s.addTolerations(Toleration.newBuilder().setKey("k").setOperator("Exists")
        .setTolerationSeconds(30).setEffect("NoSchedule"))))
        .containsExactly("spec.tolerations[0].effect: must be 'NoExecute' when `tolerationSeconds` is set");
    assertThat(errorsAfter(s -> s.addTolerations(Toleration.newBuilder().setOperator("Exists")))).isEmpty();
  }

  @Test
  void updateMayChangeImages() {
    assertThat(updateErrors(s -> { }, s -> s.getContainersBuilder(0).setImage("nginx:1.28"))).isEmpty();
  }

  @Test
  void updateMayNotChangeOtherSpecFields() {
    assertThat(updateErrors(s -> { }, s -> s.getContainersBuilder(0).addEnv(EnvVar.newBuilder().setName("X"))))
        .singleElement().asString().startsWith("spec: pod updates may not change fields other than");
    assertThat(updateErrors(s -> { }, s -> s.removeContainers(1)))
        .singleElement().asString().startsWith("spec: pod updates may not change fields other than");
  }

  @Test
  void updateMaySetNodeNameOnceButNotMoveThePod() {
    assertThat(updateErrors(s -> { }, s -> s.setNodeName("n1"))).isEmpty();
    assertThat(updateErrors(s -> s.setNodeName("n1"), s -> s.setNodeName("n2")))
        .containsExactly("spec.nodeName: field is immutable");
  }

  @Test
  void updateMayLowerButNotRaiseOrRemoveTheActiveDeadline() {
    assertThat(updateErrors(s -> { }, s -> s.setActiveDeadlineSeconds(100))).isEmpty();
    assertThat(updateErrors(s -> s.setActiveDeadlineSeconds(100), s -> s.setActiveDeadlineSeconds(50))).isEmpty();
    assertThat(updateErrors(s -> s.setActiveDeadlineSeconds(100), s -> s.setActiveDeadlineSeconds(200)))
        .containsExactly("spec.activeDeadlineSeconds: must be less than or equal to previous value 100");
    assertThat(updateErrors(s -> s.setActiveDeadlineSeconds(100), PodSpec.Builder::clearActiveDeadlineSeconds))
        .containsExactly("spec.activeDeadlineSeconds: must not be removed once set");
  }

  @Test
  void updateMayOnlyAddTolerations() {
    Toleration a = Toleration.newBuilder().setKey("a").setOperator("Exists").build();
    Toleration b = Toleration.newBuilder().setKey("b").setOperator("Exists").build();
    assertThat(updateErrors(s -> s.addTolerations(a), s -> s.addTolerations(b))).isEmpty();
    assertThat(updateErrors(s -> s.addTolerations(a), s -> s.setTolerations(0, b)))
        .containsExactly("spec.tolerations: existing tolerations may not be changed or removed, only added to");
  }
}
