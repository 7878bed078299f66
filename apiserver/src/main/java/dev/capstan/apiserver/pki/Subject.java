package dev.capstan.apiserver.pki;

import java.util.ArrayList;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/**
 * The subject of a certificate as Kubernetes reads it: the common name is the user, each
 * organization a group.
 */
public record Subject(String commonName, List<String> organizations) {
  public Subject {
    if (commonName == null || commonName.isBlank()) {
      throw new IllegalArgumentException("a certificate subject needs a common name (CN)");
    }
    organizations = List.copyOf(organizations);
  }

  X500Name toX500Name() {
    X500NameBuilder b = new X500NameBuilder(BCStyle.INSTANCE);
    for (String o : organizations) {
      b.addRDN(BCStyle.O, o);
    }
    b.addRDN(BCStyle.CN, commonName);
    return b.build();
  }

  public static Subject of(X500Principal principal) {
    return of(X500Name.getInstance(principal.getEncoded()));
  }

  static Subject of(X500Name name) {
    String cn = null;
    List<String> orgs = new ArrayList<>();
    for (RDN rdn : name.getRDNs()) {
      for (AttributeTypeAndValue atv : rdn.getTypesAndValues()) {
        ASN1Encodable value = atv.getValue();
        if (atv.getType().equals(BCStyle.CN)) {
          cn = IETFUtils.valueToString(value);
        } else if (atv.getType().equals(BCStyle.O)) {
          orgs.add(IETFUtils.valueToString(value));
        }
      }
    }
    if (cn == null || cn.isBlank()) {
      throw new IllegalArgumentException("the subject \"" + name + "\" has no common name (CN)");
    }
    return new Subject(cn, orgs);
  }
}
