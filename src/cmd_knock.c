/* PLACEHOLDER: replaced by the work on this command. */
#include <stdio.h>
#include "cmd.h"
int cmd_knock(int argc, char **argv)
{
	(void)argc; (void)argv;
	fprintf(stderr, "sesame knock: not built yet\n");
	return 2;
}
