/*
 * NAME
 *	lineedit - read command lines, with editing and history (see lineedit.h)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lineedit.h"

#ifndef __VMS
#include <readline/readline.h>
#include <readline/history.h>
#endif

static int line_plain(const char *prompt, STR *line)
{
    int     c;

    if (prompt != NULL) {
	fputs(prompt, stdout);
	fflush(stdout);
    }
    str_reset(line);
    while ((c = getchar()) != EOF && c != '\n')
	str_catc(line, c);
    if (c == EOF && line->len == 0)
	return 0;
    if (line->len > 0 && line->s[line->len - 1] == '\r')
	str_truncate(line, line->len - 1);
    return 1;
}

int     line_read(const char *prompt, STR *line)
{
#ifdef __VMS
    return line_plain(isatty(0) ? prompt : NULL, line);
#else
    char   *text;

    if (!isatty(0))
	return line_plain(NULL, line);
    if ((text = readline(prompt)) == NULL) {
	putchar('\n');
	return 0;
    }
    str_cpy(line, text);
    if (*text)
	add_history(text);
    free(text);
    return 1;
#endif
}
