package dev.capstan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.batch.v1.Job;
import dev.capstan.api.batch.v1.JobCondition;
import dev.capstan.api.batch.v1.JobStatus;
import dev.capstan.client.CapstanClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** {@code capstan apply} of Kubernetes Job and CronJob manifests and {@code capstan get jobs|cronjobs}. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BatchCommandsTest {
  private static final String MANIFEST = """
      apiVersion: batch/v1
      kind: Job
      metadata:
        name: pi
      spec:
        completions: 3
        parallelism: 2
        backoffLimit: 4
        template:
          spec:
            containers:
            - name: pi
              image: perl:5.34.0
              command: ["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"]
            restartPolicy: Never
      ---
      apiVersion: batch/v1
      kind: CronJob
      metadata:
        name: hello
      spec:
        schedule: "*/5 9-17 * * MON-FRI"
        timeZone: Europe/Berlin
        concurrencyPolicy: Forbid
        jobTemplate:
          spec:
            template:
              spec:
                containers:
                - name: hello
                  image: busybox:1.28
                  command: [/bin/sh, -c, date; echo Hello]
                restartPolicy: OnFailure
      """;

  @TempDir
  Path dir;

  private InProcessApiServer cluster;
  private CapstanClient client;

  @BeforeAll
  void start() {
    cluster = new InProcessApiServer();
    client = cluster.client();
  }

  @AfterAll
  void stop() {
    cluster.close();
  }

  private CliRun capstan(String... args) {
    return cluster.capstan(args);
  }

  private Path write(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text);
  }

  @Test
  void kubernetesJobAndCronJobManifestsApplyAndAreListed() throws IOException {
    Path manifest = write("batch.yaml", MANIFEST);
    CliRun applied = capstan("apply", "-f", manifest.toString());
    assertThat(applied.exitCode()).as(applied.err()).isZero();
    assertThat(applied.out()).contains("job.batch/pi created", "cronjob.batch/hello created");

    // Again: the generated selector is kept, nothing changes.
    CliRun again = capstan("apply", "-f", manifest.toString());
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(again.out()).contains("job.batch/pi unchanged", "cronjob.batch/hello unchanged");

    Job pi = client.jobs().get("default", "pi");
    client.jobs().updateStatus(pi.toBuilder().setStatus(JobStatus.newBuilder().setSucceeded(3)
        .setStartTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(1000))
        .setCompletionTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(1042))
        .addConditions(JobCondition.newBuilder().setType("Complete").setStatus("True"))).build());
    CliRun jobs = capstan("get", "jobs");
    assertThat(jobs.exitCode()).as(jobs.err()).isZero();
    assertThat(jobs.out().lines().toList()).hasSize(2);
    assertThat(jobs.out().lines().findFirst().orElseThrow().split("\\s+"))
        .containsExactly("NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE");
    assertThat(jobs.out().lines().skip(1).findFirst().orElseThrow().split("\\s+"))
        .startsWith("pi", "Complete", "3/3", "42s");

    CliRun cronJobs = capstan("get", "cj", "-o", "wide");
    assertThat(cronJobs.exitCode()).as(cronJobs.err()).isZero();
    assertThat(cronJobs.out()).contains("SCHEDULE", "TIMEZONE", "LAST SCHEDULE")
        .contains("*/5 9-17 * * MON-FRI", "Europe/Berlin", "busybox:1.28");
  }

  @Test
  void aBadScheduleIsRefusedNamingTheField() throws IOException {
    Path manifest = write("bad.yaml", MANIFEST.substring(MANIFEST.indexOf("---") + 4)
        .replace("*/5 9-17 * * MON-FRI", "*/5 9-17 * * MON-FUN"));
    CliRun r = capstan("apply", "-f", manifest.toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("spec.schedule", "day-of-week field \"MON-FUN\"");
  }
}
