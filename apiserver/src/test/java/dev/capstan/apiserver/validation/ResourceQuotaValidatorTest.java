package dev.capstan.apiserver.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.ResourceQuota;
import dev.capstan.api.core.v1.ResourceQuotaSpec;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.Kinds;
import org.junit.jupiter.api.Test;

class ResourceQuotaValidatorTest {
  private final Validator<ResourceQuota> validator = Validators.forKind(Kinds.RESOURCE_QUOTA);

  private static ResourceQuota quota(String name, String amount) {
    return ResourceQuota.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName("q"))
        .setSpec(ResourceQuotaSpec.newBuilder().putHard(name, amount)).build();
  }

  @Test
  void resourceNamesAndAmountsAreChecked() {
    assertThat(validator.validate(quota("count/deployments.apps", "5"), null)).isEmpty();
    assertThat(validator.validate(quota("requests.cpu", "1500m"), null)).isEmpty();
    assertThat(validator.validate(quota("pods", "-1"), null)).extracting(FieldError::toString)
        .containsExactly("spec.hard[pods]: invalid value \"-1\": must be greater than or equal to 0");
    assertThat(validator.validate(quota("pods", "lots"), null)).extracting(FieldError::path)
        .containsExactly("spec.hard[pods]");
    assertThat(validator.validate(quota("Pods!", "1"), null)).extracting(FieldError::path)
        .containsExactly("spec.hard[Pods!]");
  }
}
