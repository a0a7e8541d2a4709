/* print.h -- display and write.  Printing never allocates, so it never
 * collects and needs no roots. */
#ifndef SCHEME_PRINT_H
#define SCHEME_PRINT_H

#include <stdbool.h>
#include <stdio.h>
#include "value.h"

void sx_print(FILE *out, V v, bool write);
/* The external form of a number into buf (at least 64 bytes). */
void format_number(char *buf, size_t size, V num);

#endif
