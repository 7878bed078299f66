/*
 * Capstan's pause process: PID 1 of every pod sandbox. It holds the pod's namespaces open,
 * reaps children re-parented to it, and exits on SIGTERM or SIGINT. Built with gcc -static so
 * the image needs nothing but this binary.
 */
#include <signal.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_stop(int sig) {
  (void) sig;
  _exit(0);
}

static void on_child(int sig) {
  (void) sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(void) {
  struct sigaction stop = {0};
  stop.sa_handler = on_stop;
  sigaction(SIGTERM, &stop, NULL);
  sigaction(SIGINT, &stop, NULL);

  struct sigaction child = {0};
  child.sa_handler = on_child;
  child.sa_flags = SA_NOCLDSTOP | SA_RESTART;
  sigaction(SIGCHLD, &child, NULL);

  for (;;) {
    pause();
  }
}
