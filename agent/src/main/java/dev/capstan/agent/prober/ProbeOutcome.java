package dev.capstan.agent.prober;

/** One probe attempt: whether it passed, and if not, why (as shown in events and logs). */
public record ProbeOutcome(boolean success, String message) {

  static ProbeOutcome passed() {
    return new ProbeOutcome(true, "");
  }

  static ProbeOutcome failed(String message) {
    return new ProbeOutcome(false, message);
  }
}
