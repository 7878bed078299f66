package dev.capstan.apiserver.pki;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which certificate subjects count as a node's when a node asks to have its serving certificate signed. */
class NodeSubjectTest {

  @Test
  void aNodesSubjectNamesAValidNodeInSystemNodes() {
    assertThat(problem("system:node:node-1")).isEmpty();
    assertThat(problem("system:node:worker.zone-a.example")).isEmpty();
  }

  @Test
  void aNodeNameThatIsNoLowercaseDnsSubdomainIsRefused() {
    for (String node : new String[] {"", "Node-1", "node_1", "node-", "a..b", "a".repeat(254)}) {
      assertThat(problem("system:node:" + node)).as(node).hasValueSatisfying(
          p -> assertThat(p).contains("is not a valid node name"));
    }
  }

  @Test
  void otherSubjectsAreRefusedForWhatIsWrong() {
    assertThat(problem("admin")).hasValueSatisfying(p -> assertThat(p).contains("must be system:node:"));
    assertThat(CertificateSigningService.nodeSubjectProblem(new Subject("system:node:n1", List.of("system:masters"))))
        .hasValueSatisfying(p -> assertThat(p).contains("subject O must be exactly"));
  }

  private static java.util.Optional<String> problem(String commonName) {
    return CertificateSigningService.nodeSubjectProblem(new Subject(commonName, List.of("system:nodes")));
  }
}
