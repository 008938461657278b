/*
 * Helpers shared by the CUnit suites: whole files, child processes'
 * output, hex.
 */
#ifndef PRIMERKA_TESTUTIL_H
#define PRIMERKA_TESTUTIL_H

#include <stddef.h>

/* Read a whole file into *buf (malloc'd, one spare byte); 0 or -1. */
int	 tu_read_file(const char *path, unsigned char **buf, size_t *len);

/*
 * Run argv (PATH lookup) and capture its stdout: *out is NUL-terminated
 * and the caller frees it.  Returns the exit status, or -1.
 */
int	 tu_run_capture(char *const argv[], char **out);

/* Decode lower-case hex in place into a NUL-terminated string; 0 or -1. */
int	 tu_unhex(char *s);

#endif /* PRIMERKA_TESTUTIL_H */
