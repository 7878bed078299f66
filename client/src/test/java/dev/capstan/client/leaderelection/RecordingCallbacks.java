package dev.capstan.client.leaderelection;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records the callbacks a {@link LeaderElector} makes, in order. */
final class RecordingCallbacks implements LeaderCallbacks {
  final List<String> calls = new CopyOnWriteArrayList<>();

  @Override
  public void onStartedLeading() {
    calls.add("started");
  }

  @Override
  public void onStoppedLeading() {
    calls.add("stopped");
  }

  @Override
  public void onNewLeader(String identity) {
    calls.add("leader:" + identity);
  }
}
