$! PMDF_STARTUP.COM - define the logical names of a toolkit instance
$!
$! NAME
$!	pmdf_startup.com - the OpenVMS counterpart of the Unix tailor file
$! SYNOPSIS
$!	$ @PMDF_ROOT:[COM]PMDF_STARTUP [root] [SYSTEM|PROCESS] [VERBOSE] [pmas-root]
$!	From SYS$MANAGER:SYSTARTUP_VMS.COM (needs SYSNAM):
$!	    $ @DKA100:[PMDF.COM]PMDF_STARTUP
$!	A private instance, in a user's own process:
$!	    $ @[.COM]PMDF_STARTUP "" PROCESS VERBOSE
$! DESCRIPTION
$!	Every file the programs open is named through a logical name; on Unix
$!	the tailor file (/etc/pmdf_tailor, or the file PMDF_TAILOR names)
$!	gives the same names as directory prefixes.  This procedure defines:
$!	    PMDF_ROOT               dev:[dir.] concealed, rooted
$!	    PMDF_TABLE              PMDF_ROOT:[TABLE]
$!	    PMDF_QUEUE              PMDF_ROOT:[QUEUE]
$!	    PMDF_LOG                PMDF_ROOT:[LOG]
$!	    PMDF_EXE                PMDF_ROOT:[<arch>.EXE] (BUILD.COM's output)
$!	    PMDF_COM                PMDF_ROOT:[COM]
$!	    PMDF_LIB                PMDF_ROOT:[LIB]
$!	    PMDF_CONFIG_FILE        PMDF_TABLE:PMDF.CNF
$!	    PMDF_OPTION_FILE        PMDF_TABLE:OPTION.DAT
$!	    PMDF_MAPPING_FILE       PMDF_TABLE:MAPPINGS.
$!	    PMDF_ALIAS_FILE         PMDF_TABLE:ALIASES.
$!	    PMDF_ALIAS_DATABASE     PMDF_TABLE:ALIASES.DAT
$!	    PMDF_GENERAL_DATABASE   PMDF_TABLE:GENERAL.DAT
$!	    PMDF_DISPATCHER_CONFIG  PMDF_TABLE:DISPATCHER.CNF
$!	    PMDF_JOB_CONTROLLER_CONFIG PMDF_TABLE:JOB_CONTROLLER.CNF
$!	    PMDF_CONFIG_DATA        PMDF_TABLE:PMDF_CONFIG_DATA.DAT (PMDF CNBUILD)
$!	    PMDF_PASSWORD_DATABASE  PMDF_TABLE:PASSDB.DB
$!	    PMAS_ROOT               dev:[dir.PMAS.] concealed, rooted
$!	    PMAS_DATA               PMAS_ROOT:[DATA]
$!	and the foreign command PMDF :== $PMDF_EXE:PMDF.EXE, global in the
$!	process that runs this procedure.  Other users get the command from
$!	SYS$MANAGER:SYLOGIN.COM; a DCL verb (SET COMMAND with a .CLD, which
$!	gives PMDF PASSWORD/SHOW/USER=* full DCL parsing) is a later option.
$!
$!	P1  the root directory, DKA100:[PMDF] or DKA100:[PMDF.]; default: the
$!	    directory above the one that holds this procedure ([.COM]).
$!	P2  SYSTEM (default): /SYSTEM/EXECUTIVE_MODE, so that privileged
$!	    images trust the names.  PROCESS: /PROCESS, for a private instance
$!	    (tests, development) with no privileges.
$!	P3  VERBOSE: DEFINE/LOG, and a summary.  Otherwise silent.
$!	P4  the PMAS root; default: [.PMAS] under the PMDF root.
$!
$!	Last, if PMDF_COM:PMDF_SITE_STARTUP.COM exists, it is run with P2 and
$!	P3: the place for a site's own names (a search list for PMDF_TABLE, a
$!	queue on another disk), so that this file stays as shipped.
$! DIAGNOSTICS
$!	"PMDF_STARTUP: ..." on SYS$ERROR says what is wrong and what to do; a
$!	missing directory is a warning, a bad parameter or missing privilege
$!	an error (nothing is defined then).
$!
$ saved_verify = f$verify(0)
$ status = 1
$ on control_y then goto interrupted
$ on error then goto failed
$!
$ table = f$edit(p2, "UPCASE,TRIM")
$ if table .eqs. "" then table = "SYSTEM"
$ if table .nes. "SYSTEM" .and. table .nes. "PROCESS"
$ then
$   write sys$error "PMDF_STARTUP: P2 is ""''p2'"": use SYSTEM or PROCESS"
$   goto bad_parameter
$ endif
$ verbose = f$edit(p3, "UPCASE,TRIM") .eqs. "VERBOSE"
$ if p3 .nes. "" .and. .not. verbose
$ then
$   write sys$error "PMDF_STARTUP: P3 is ""''p3'"": use VERBOSE or nothing"
$   goto bad_parameter
$ endif
$ if table .eqs. "SYSTEM" .and. .not. f$privilege("SYSNAM")
$ then
$   write sys$error "PMDF_STARTUP: system-wide names need the SYSNAM privilege; for a private instance use P2 PROCESS"
$   status = %X10000024
$   goto done
$ endif
$!
$! The root: P1, or the parent of this procedure's directory.  The
$! equivalence of a concealed rooted name is built on the physical device
$! (NO_CONCEAL), as it must be.
$!
$ root_in = f$edit(p1, "TRIM")
$ if root_in .nes. "" then goto have_root
$ proc = f$environment("PROCEDURE")
$ here = f$parse(proc,,,"DIRECTORY","NO_CONCEAL") - ".][000000" - "[000000." - "]["
$ here = here - "[" - "]" - "<" - ">"
$ parent = ""
$parent_next:
$ dot = f$locate(".", here)
$ if dot .ge. f$length(here) then goto parent_done
$ parent = parent + f$extract(0, dot + 1, here)
$ here = f$extract(dot + 1, f$length(here), here)
$ goto parent_next
$parent_done:
$ if parent .eqs. "" then parent = "000000."
$ root_in = f$parse(proc,,,"DEVICE","NO_CONCEAL") + -
	"[" + f$extract(0, f$length(parent) - 1, parent) + "]"
$have_root:
$ dir_in = root_in
$ gosub rooted
$ if rooted_spec .eqs. ""
$ then
$   write sys$error "PMDF_STARTUP: root directory ""''root_in'"" does not exist; give an existing device:[directory] as P1"
$   goto bad_parameter
$ endif
$ pmdf_root_spec = rooted_spec
$ if p4 .nes. ""
$ then
$   dir_in = f$edit(p4, "TRIM")
$ else
$   dir_in = pmdf_root_spec - ".]" + ".PMAS]"
$ endif
$ gosub rooted
$ pmas_root_spec = rooted_spec
$ if pmas_root_spec .eqs. "" then pmas_root_spec = dir_in - ".]" - "]" + ".]"
$!
$! Define.
$!
$ arch = f$edit(f$getsyi("ARCH_NAME"), "UPCASE,TRIM")
$ if table .eqs. "SYSTEM"
$ then
$   pmdf_def = "DEFINE/SYSTEM/EXECUTIVE_MODE"
$ else
$   pmdf_def = "DEFINE/PROCESS"
$ endif
$ if verbose
$ then
$   pmdf_def = pmdf_def + "/LOG"
$ else
$   pmdf_def = pmdf_def + "/NOLOG"
$ endif
$ 'pmdf_def' /TRANSLATION_ATTRIBUTES=CONCEALED PMDF_ROOT 'pmdf_root_spec'
$ 'pmdf_def' PMDF_TABLE PMDF_ROOT:[TABLE]
$ 'pmdf_def' PMDF_QUEUE PMDF_ROOT:[QUEUE]
$ 'pmdf_def' PMDF_LOG PMDF_ROOT:[LOG]
$ 'pmdf_def' PMDF_EXE PMDF_ROOT:['arch'.EXE]
$ 'pmdf_def' PMDF_COM PMDF_ROOT:[COM]
$ 'pmdf_def' PMDF_LIB PMDF_ROOT:[LIB]
$ 'pmdf_def' PMDF_CONFIG_FILE PMDF_TABLE:PMDF.CNF
$ 'pmdf_def' PMDF_OPTION_FILE PMDF_TABLE:OPTION.DAT
$ 'pmdf_def' PMDF_MAPPING_FILE PMDF_TABLE:MAPPINGS.
$ 'pmdf_def' PMDF_ALIAS_FILE PMDF_TABLE:ALIASES.
$ 'pmdf_def' PMDF_ALIAS_DATABASE PMDF_TABLE:ALIASES.DAT
$ 'pmdf_def' PMDF_GENERAL_DATABASE PMDF_TABLE:GENERAL.DAT
$ 'pmdf_def' PMDF_DISPATCHER_CONFIG PMDF_TABLE:DISPATCHER.CNF
$ 'pmdf_def' PMDF_JOB_CONTROLLER_CONFIG PMDF_TABLE:JOB_CONTROLLER.CNF
$ 'pmdf_def' PMDF_CONFIG_DATA PMDF_TABLE:PMDF_CONFIG_DATA.DAT
$ 'pmdf_def' PMDF_PASSWORD_DATABASE PMDF_TABLE:PASSDB.DB
$ 'pmdf_def' /TRANSLATION_ATTRIBUTES=CONCEALED PMAS_ROOT 'pmas_root_spec'
$ 'pmdf_def' PMAS_DATA PMAS_ROOT:[DATA]
$ pmdf :== $PMDF_EXE:PMDF.EXE
$!
$! Directories the programs need: a warning each, not an error (a fresh
$! instance may create them after this).
$!
$ dirs = "PMDF_TABLE,PMDF_QUEUE,PMDF_LOG,PMDF_EXE,PMDF_COM"
$ di = 0
$dirs_next:
$ d = f$element(di, ",", dirs)
$ if d .eqs. "," then goto dirs_done
$ di = di + 1
$ if f$parse("''d':") .eqs. "" then -
	write sys$error "PMDF_STARTUP: warning: ''d' (''f$trnlnm(d)') does not exist; CREATE/DIRECTORY it"
$ goto dirs_next
$dirs_done:
$ if verbose then write sys$output "PMDF_STARTUP: PMDF_ROOT = ''pmdf_root_spec', PMAS_ROOT = ''pmas_root_spec' (''table')"
$!
$! The site's own additions come last, so that they can override.
$!
$ if f$search("PMDF_COM:PMDF_SITE_STARTUP.COM") .nes. "" then -
	@PMDF_COM:PMDF_SITE_STARTUP.COM 'table' 'p3'
$ goto done
$!
$! rooted: in: dir_in (dev:[dir] or dev:[dir.]); out: rooted_spec, the
$! equivalence for a concealed rooted name (dev:[dir.] on the physical
$! device), or "" when the directory does not exist.
$!
$rooted:
$ rooted_spec = ""
$ r = dir_in
$ if f$extract(f$length(r) - 2, 2, r) .eqs. ".]" then r = r - ".]" + "]"
$ r = f$parse("A.;", r,,,"NO_CONCEAL")
$ if r .eqs. "" then return
$ rooted_spec = r - ".][000000" - "[000000." - "][" - "]A.;" + ".]"
$ return
$!
$bad_parameter:
$ status = %X10000014
$ goto done
$!
$interrupted:
$ status = %X1000002C
$ goto done
$!
$failed:
$ status = $status
$ write sys$error "PMDF_STARTUP: failed: ''f$message(status)'"
$ status = status .or. %X10000000
$!
$done:
$ saved_verify = f$verify(saved_verify)
$ exit status
