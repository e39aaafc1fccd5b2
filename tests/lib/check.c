#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"

void check_fail(const char *file, int line, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	fprintf(stderr, "FAIL [%s:%d] ", file, line);
	vfprintf(stderr, fmt, args);
	fputc('\n', stderr);
	va_end(args);
	exit(1);
}

void check_note(const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	fprintf(stderr, "# ");
	vfprintf(stderr, fmt, args);
	fputc('\n', stderr);
	va_end(args);
}
