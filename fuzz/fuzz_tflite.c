/*
 * libFuzzer target for the TFLite flatbuffer reader (lib/nn/tflite.c)
 * and, for small graphs, the executor (lib/nn/tflite_run.c).
 *
 * Each input is a .tflite file: tfl_load() on it; when it loads
 * and its tensors are small, tfl_run() once on a zero input.
 *
 * Checked: a load either succeeds or explains itself with a "tflite:"
 * message; a loaded model has in-range graph inputs and outputs; a run
 * either succeeds or explains itself.
 *
 * fuzz-sources: lib/nn/tflite.c lib/nn/tflite_run.c lib/nn/tflite_kern.c lib/nn/tflite_xnn.c
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/tflite.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tfl_model	 m;
	char		 err[256];
	size_t		 total = 0;
	int		 i;

	err[0] = '\0';
	if (tfl_load(&m, data, size, err, sizeof(err)) < 0) {
		if (strncmp(err, "tflite: ", 8) != 0)
			abort();
		return 0;
	}
	for (i = 0; i < m.nin; i++)
		if (m.in[i] < 0 || m.in[i] >= m.nt)
			abort();
	for (i = 0; i < m.nout; i++)
		if (m.out[i] < 0 || m.out[i] >= m.nt)
			abort();
	for (i = 0; i < m.nt; i++)
		total += m.t[i].n;
	if (total <= 65536) {
		err[0] = '\0';
		if (tfl_run(&m, err, sizeof(err)) < 0 && err[0] == '\0')
			abort();
	}
	tfl_free(&m);
	return 0;
}
