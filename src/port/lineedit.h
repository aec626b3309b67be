/*
 * NAME
 *	lineedit - read command lines, with editing and history on a terminal
 * SYNOPSIS
 *	#include "lineedit.h"
 *	int line_read(const char *prompt, STR *line);
 * DESCRIPTION
 *	line_read() reads one line into line (without its terminator) and
 *	returns 1, or 0 at end of input.  When standard input is a terminal
 *	it prompts and reads with GNU readline (line editing, and a history
 *	of the lines entered in this session, recalled with the arrow keys);
 *	otherwise it reads plainly and prints no prompt, so scripts and pipes
 *	get clean output.  On OpenVMS the terminal driver already edits lines
 *	(and keeps a recall buffer), so there it prompts and reads plainly.
 */
#ifndef PMDF_LINEEDIT_H
#define PMDF_LINEEDIT_H
#include "str.h"

int line_read(const char *prompt, STR *line);

#endif
