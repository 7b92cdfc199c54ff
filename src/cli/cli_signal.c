/* cli_signal.c - SIGINT and SIGTERM as "finish what is in progress, then stop", for every
 * command that runs long (batch, video, stream, train). The first signal sets cli_stop, which
 * the library polls between units of work (files, frames, steps); a second one ends the process
 * at once (the default action restored). The one piece of state a signal handler may touch. */
#include "cli.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

volatile sig_atomic_t cli_stop;
static const char *stop_message;

static void on_stop(int sig)
{
    cli_stop = sig;
    signal(sig, SIG_DFL);
    if (stop_message) {
        ssize_t w = write(STDERR_FILENO, stop_message, strlen(stop_message));
        (void)w;
    }
}

void cli_catch_stop_signals(const char *message)
{
    stop_message = message;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}
