/*
 * NAME
 *	wildmat - VMS-style wildcard matching
 * SYNOPSIS
 *	#include "wildmat.h"
 *	int wild_match(const char *pattern, const char *text, int caseblind);
 *	int wild_has(const char *pattern);
 * DESCRIPTION
 *	"*" matches any run of characters (also none), "%" exactly one; "?"
 *	is accepted for "%" as Unix users expect.  wild_match() returns 1 on
 *	a match; with caseblind non-zero letters match regardless of case.
 *	wild_has() says whether pattern holds a wildcard at all.  Matching
 *	is iterative (no recursion, linear backtracking on the last "*").
 */
#ifndef PMDF_WILDMAT_H
#define PMDF_WILDMAT_H

int wild_match(const char *pattern, const char *text, int caseblind);
int wild_has(const char *pattern);

#endif
