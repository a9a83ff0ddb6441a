/* PLACEHOLDER: the daemon's entry point is the work of issue 3. */
#include <stdio.h>
#include "version.h"
int main(void)
{
	fprintf(stderr, "sesamed %s: not built yet\n", SESAME_VERSION);
	return 1;
}
