$! BUILD.COM - build the PMDF-compatible mail toolkit on OpenVMS
$!
$! NAME
$!	build.com - the OpenVMS build (Alpha, IA64, x86_64); the counterpart
$!	of Makefile.unix
$! SYNOPSIS
$!	$ @BUILD [target] [DEBUG|NODEBUG]
$!	P1  ALL       (default) object library, PMDF.EXE, unit tests, benchmark
$!	    TEST      ALL, then the unit tests (TAP) through Perl's prove
$!	    CLEAN     delete this architecture's [.<arch>] tree
$!	    OPTIONS   (re)write the linker options files only; run it after
$!	              installing or upgrading OpenSSL, zlib or Berkeley DB
$!	    RUNTESTS  run the tests without building (DESCRIP.MMS uses it)
$!	P2  NODEBUG   (default) /OPTIMIZE, or DEBUG: /DEBUG/NOOPTIMIZE, and
$!	              PMDF.EXE linked /DEBUG (test programs stay /NODEBUG so
$!	              that prove can run them)
$! DESCRIPTION
$!	Runs from any default directory: it finds itself with
$!	F$ENVIRONMENT("PROCEDURE"), sets default to the top of the tree for
$!	the duration and restores it at the end.  Everything it writes is
$!	under [.<arch>], <arch> being ALPHA, IA64 or X86_64:
$!	    [.<arch>]OPENSSL.OPT, ZLIB.OPT, LIBDB.OPT  linker options files
$!	    [.<arch>.OBJ]*.OBJ, LIBPMDF.OLB            objects, object library
$!	    [.<arch>.EXE]PMDF.EXE, T_*.EXE, B_*.EXE    program, tests, benchmark,
$!	                 and the programs test scripts drive (SASL_DRIVE.EXE)
$!	With DESCRIP.MMS present and MMS or MMK installed, the build is
$!	handed to it (/MACRO=("ARCH=<arch>"[,"DEBUG=1"][,"POINTER64=1"]));
$!	otherwise it is done here in DCL: a source is compiled when its
$!	object is missing or older than the source, an image is linked when
$!	it is missing or older than one of its inputs.  Header changes are
$!	not tracked: use CLEAN after changing a header.
$!
$!	Sources are named once, in the SOURCE LIST block below.  DESCRIP.MMS
$!	names the same files, and tests/dclcheck.t checks both against the
$!	sources Makefile.unix compiles (less its Unix-only ones: the tailor
$!	back-end lnm_unix.c and the system-service stand-in vms_sim.c).  The
$!	VMS back-end [.SRC.PORT]LNM_VMS.C is built against the real system
$!	services (LNM_VMS_SIMULATED is never defined here).
$! LOGICAL NAMES (optional, any table)
$!	PMDF_BUILD_MAKE     MMS, MMK or DCL: force the build tool
$!	PMDF_POINTER_SIZE   32 (default, the compiler's own) or 64; selects
$!	                    /POINTER_SIZE and the matching shareable images
$!	PMDF_LIBSSL, PMDF_LIBCRYPTO  OpenSSL shareable images (both or neither)
$!	PMDF_LIBZ           zlib shareable image
$!	PMDF_LIBDB          Berkeley DB: shareable image (.EXE) or object
$!	                    library (.OLB)
$!	PMDF_CC_WARNINGS    replaces the default /WARNINGS=(ERRORS=ALL)
$!	PMDF_INCLUDE        more header directories (a search list), searched
$!	                    after the tree's own: Berkeley DB's db.h, zlib.h
$! SHAREABLE IMAGES (the first found wins; a name without a device is a
$!	logical name or a file in SYS$LIBRARY:)
$!	OpenSSL, 32-bit pointers:
$!	  SYS$SHARE:SSL3$LIBSSL_SHR32.EXE   VSI SSL3 kit, OpenSSL 3.0
$!	  OSSL$LIBSSL03_SHR32, OSSL$LIBSSL03_SHR   OpenSSL 3 built from source
$!	                 (names from Configurations/platform/VMS.pm, logical
$!	                 names from its OPENSSL_STARTUP.COM)
$!	  OSSL$LIBSSL_SHR32, OSSL$LIBSSL_SHR       OSSL$ logical names set by hand
$!	  SYS$SHARE:SSL111$LIBSSL_SHR32.EXE VSI SSL111, OpenSSL 1.1.1 (warns)
$!	  SYS$SHARE:SSL$LIBSSL_SHR32.EXE    HP/VSI SSL 1.4, OpenSSL 0.9.8 (warns)
$!	  and the matching LIBCRYPTO image of the same kit.  64-bit pointers:
$!	  SSL3$LIBSSL_SHR, OSSL$LIBSSL03_SHR64, OSSL$LIBSSL_SHR64,
$!	  SSL111$LIBSSL_SHR, SSL$LIBSSL_SHR (VSI's 64-bit images carry no suffix).
$!	zlib: GNV$LIBZSHR32 then GNV$LIBZSHR (32), GNV$LIBZSHR64 (64): the GNV
$!	  zlib kit's logical names, the same defaults OpenSSL uses.
$!	Berkeley DB (no vendor kit exists; define PMDF_LIBDB for your port):
$!	  LIBDB_SHR32 / LIBDB_SHR64, then LIBDB_SHR (shareable image), then
$!	  LIBDB (object library SYS$LIBRARY:LIBDB.OLB or a logical name).
$!	A library that is not found leaves a comment in its options file and
$!	a warning; programs that call it then fail to link, naming the symbol.
$! DIAGNOSTICS
$!	Messages start with "BUILD:" on SYS$ERROR and say what failed and
$!	what to do.  The exit status is success, or the failing status.
$!
$ saved_verify = f$verify(0)
$ status = 1
$ saved_default = f$environment("DEFAULT")
$ deassign_openssl = 0
$ deassign_test_names = 0
$ on control_y then goto interrupted
$ on error then goto failed
$!
$! Where we are, what to do.
$!
$ proc = f$environment("PROCEDURE")
$ top = f$parse(proc,,,"DEVICE") + f$parse(proc,,,"DIRECTORY")
$ set default 'top'
$ target = f$edit(p1, "UPCASE,TRIM")
$ if target .eqs. "" then target = "ALL"
$ if target .nes. "ALL" .and. target .nes. "TEST" .and. target .nes. "CLEAN" .and. -
	target .nes. "OPTIONS" .and. target .nes. "RUNTESTS"
$ then
$   write sys$error "BUILD: unknown target ""''p1'"": use ALL, TEST, CLEAN, OPTIONS or RUNTESTS"
$   goto usage_error
$ endif
$ debug = f$edit(p2, "UPCASE,TRIM")
$ if debug .eqs. "" then debug = "NODEBUG"
$ if debug .nes. "DEBUG" .and. debug .nes. "NODEBUG"
$ then
$   write sys$error "BUILD: P2 is ""''p2'"": use DEBUG or NODEBUG"
$   goto usage_error
$ endif
$!
$! Architecture and output directories.
$!
$ arch = f$edit(f$getsyi("ARCH_NAME"), "UPCASE,TRIM")
$ if arch .nes. "ALPHA" .and. arch .nes. "IA64" .and. arch .nes. "X86_64"
$ then
$   write sys$error "BUILD: architecture ""''arch'"" is not supported (ALPHA, IA64, X86_64)"
$   goto usage_error
$ endif
$ archdir = "[.''arch']"
$ objdir = "[.''arch'.OBJ]"
$ exedir = "[.''arch'.EXE]"
$ olb = objdir + "LIBPMDF.OLB"
$ ptr = f$edit(f$trnlnm("PMDF_POINTER_SIZE"), "TRIM")
$ if ptr .eqs. "" then ptr = "32"
$ if ptr .nes. "32" .and. ptr .nes. "64"
$ then
$   write sys$error "BUILD: PMDF_POINTER_SIZE is ""''ptr'"": use 32 or 64"
$   goto usage_error
$ endif
$!
$! Compiler and linker qualifiers (DESCRIP.MMS holds the same ones).
$!
$ cc_qual = "/STANDARD=C99/NAMES=(AS_IS,SHORTENED)/PREFIX_LIBRARY_ENTRIES=ALL_ENTRIES" + -
	"/FLOAT=IEEE_FLOAT" + -
	"/DEFINE=(__NEW_STARLET=1,_POSIX_EXIT=1,_USE_STD_STAT=1,_LARGEFILE=1,_SOCKADDR_LEN=1)"
$ cc_inc = "[.SRC.UTIL],[.SRC.PORT],[.SRC.GLOBAL],[.TESTS.UNIT]"
$ if f$trnlnm("PMDF_INCLUDE") .nes. "" then cc_inc = cc_inc + ",PMDF_INCLUDE:"
$ cc_qual = cc_qual + "/INCLUDE_DIRECTORY=(''cc_inc')"
$ if ptr .eqs. "64" then cc_qual = cc_qual + "/POINTER_SIZE=64=ARGV"
$ cc_warn = f$trnlnm("PMDF_CC_WARNINGS")
$ if cc_warn .eqs. "" then cc_warn = "/WARNINGS=(ERRORS=ALL)"
$ cc_qual = cc_qual + cc_warn
$ if debug .eqs. "DEBUG"
$ then
$   cc_qual = cc_qual + "/DEBUG/NOOPTIMIZE"
$   link_prog = "/DEBUG/TRACEBACK"
$ else
$   cc_qual = cc_qual + "/NODEBUG/OPTIMIZE"
$   link_prog = "/NODEBUG/TRACEBACK"
$ endif
$ link_test = "/NODEBUG/TRACEBACK"
$ opt_ssl = archdir + "OPENSSL.OPT"
$ opt_z = archdir + "ZLIB.OPT"
$ opt_db = archdir + "LIBDB.OPT"
$ link_opts = opt_ssl + "/OPTIONS," + opt_z + "/OPTIONS," + opt_db + "/OPTIONS"
$!
$! BEGIN SOURCE LIST - the one place this procedure names a source file, one
$! file a line.  DESCRIP.MMS names the same files; tests/dclcheck.t compares
$! both with Makefile.unix.  Object names must stay unique: every object goes
$! to the one directory [.<arch>.OBJ].
$ lib_srcs = ""
$ lib_srcs = lib_srcs + ",[.SRC.UTIL]MEM.C"
$ lib_srcs = lib_srcs + ",[.SRC.UTIL]MSG.C"
$ lib_srcs = lib_srcs + ",[.SRC.UTIL]STR.C"
$ lib_srcs = lib_srcs + ",[.SRC.UTIL]STRLIST.C"
$ lib_srcs = lib_srcs + ",[.SRC.UTIL]HTAB.C"
$ lib_srcs = lib_srcs + ",[.SRC.UTIL]CFGREAD.C"
$ lib_srcs = lib_srcs + ",[.SRC.UTIL]CLI.C"
$ lib_srcs = lib_srcs + ",[.SRC.UTIL]DICT.C"
$ lib_srcs = lib_srcs + ",[.SRC.UTIL]WILDMAT.C"
$ lib_srcs = lib_srcs + ",[.SRC.UTIL]PACK.C"
$ lib_srcs = lib_srcs + ",[.SRC.PORT]FSPEC.C"
$ lib_srcs = lib_srcs + ",[.SRC.PORT]LNM.C"
$ lib_srcs = lib_srcs + ",[.SRC.PORT]OSUSER.C"
$ lib_srcs = lib_srcs + ",[.SRC.PORT]LINEEDIT.C"
$ lib_srcs = lib_srcs + ",[.SRC.PORT]LNM_VMS.C"	! SYS$TRNLNM, SYS$CRELNM
$ lib_srcs = lib_srcs + ",[.SRC.GLOBAL]PWSECRET.C"
$ lib_srcs = lib_srcs + ",[.SRC.GLOBAL]SASL.C"
$ lib_srcs = lib_srcs + ",[.SRC.GLOBAL]PASSDB.C"
$ lib_srcs = lib_srcs + ",[.SRC.GLOBAL]ALIAS.C"
$ lib_srcs = lib_srcs + ",[.SRC.GLOBAL]PMDFCNF.C"
$ lib_srcs = lib_srcs + ",[.SRC.GLOBAL]MAPPING.C"
$ lib_srcs = lib_srcs + ",[.SRC.GLOBAL]ADDR.C"
$ lib_srcs = lib_srcs + ",[.SRC.GLOBAL]REWRITE.C"
$ lib_srcs = lib_srcs + ",[.SRC.GLOBAL]CONFIG.C"
$ lib_srcs = lib_srcs + ",[.SRC.GLOBAL]SMTPIN.C"
$ lib_srcs = lib_srcs + ",[.SRC.GLOBAL]ESMTP.C"
$ lib_srcs = lib_srcs + ",[.SRC.GLOBAL]MAILLOG.C"
$ lib_srcs = lib_srcs + ",[.SRC.PORT]FSYNC.C"
$ lib_srcs = lib_srcs + ",[.SRC.GLOBAL]QUEUE.C"
$ lib_srcs = lib_srcs + ",[.SRC.GLOBAL]QCACHE.C"
$ lib_srcs = lib_srcs + ",[.SRC.PORT]EVLOOP.C"
$ lib_srcs = lib_srcs + ",[.SRC.GLOBAL]TLSIO.C"
$ lib_srcs = lib_srcs + ",[.SRC.PORT]FLOCK.C"	! queue file locks: unshared open
$ lib_srcs = lib_srcs + ",[.SRC.PORT]NETCLI.C"	! resolver, outgoing TCP
$ lib_srcs = lib_srcs + ",[.SRC.GLOBAL]RETRY.C"
$ lib_srcs = lib_srcs + ",[.SRC.GLOBAL]SMTPCLI.C"
$ lib_srcs = lib_srcs + ",[.SRC.GLOBAL]DSN.C"
$ lib_srcs = lib_srcs + ",[.SRC.UTIL]OPTFILE.C"
$ lib_srcs = lib_srcs + ",[.SRC.GLOBAL]COUNTERS.C"
$ lib_srcs = lib_srcs + ",[.SRC.GLOBAL]QNOTIFY.C"
$ lib_srcs = lib_srcs + ",[.SRC.PORT]JOBWAKE_VMS.C"	! wake-ups: a no-op until the mailbox back-end
$ lib_srcs = lib_srcs + ",[.SRC.GLOBAL]ENQUEUE.C"
$ pmdf_srcs = ""
$ pmdf_srcs = pmdf_srcs + ",[.SRC.PMDF]PMDF.C"
$ pmdf_srcs = pmdf_srcs + ",[.SRC.PMDF]CMD_SHOW.C"
$ pmdf_srcs = pmdf_srcs + ",[.SRC.PMDF]CMD_FSPEC.C"
$ pmdf_srcs = pmdf_srcs + ",[.SRC.PMDF]CMD_PASSWD.C"
$ pmdf_srcs = pmdf_srcs + ",[.SRC.PMDF]CMD_CRDB.C"
$ pmdf_srcs = pmdf_srcs + ",[.SRC.PMDF]CMD_TEST.C"
$ pmdf_srcs = pmdf_srcs + ",[.SRC.PMDF]CMD_CACHE.C"
$ pmdf_srcs = pmdf_srcs + ",[.SRC.PMDF]CMD_QM.C"
$ pmdf_srcs = pmdf_srcs + ",[.SRC.PMDF]CMD_COUNTERS.C"
$ pmdf_srcs = pmdf_srcs + ",[.SRC.PMDF]VERBS.C"
$ pmdf_srcs = pmdf_srcs + ",[.SRC.PMDF]CMD_STARTUP.C"
$ smtpd_srcs = ""
$ smtpd_srcs = smtpd_srcs + ",[.SRC.SMTPD]SMTPD.C"
$ smtpd_srcs = smtpd_srcs + ",[.SRC.SMTPD]SESSION.C"
$ smtpd_srcs = smtpd_srcs + ",[.SRC.SMTPD]HANDOFF.C"
$! The dispatcher and PMDF STARTUP link only once the VMS back-ends of
$! daemon.h, fdpass.h and spawn.h (described there) are written.
$ disp_srcs = ""
$ disp_srcs = disp_srcs + ",[.SRC.DISPATCH]DISPATCHER.C"
$ disp_srcs = disp_srcs + ",[.SRC.DISPATCH]DISPCNF.C"
$ disp_srcs = disp_srcs + ",[.SRC.DISPATCH]POOL.C"
$ disp_srcs = disp_srcs + ",[.SRC.DISPATCH]POLICY.C"
$ deliver_srcs = ""
$ deliver_srcs = deliver_srcs + ",[.SRC.DELIVER]DELIVER.C"
$ deliver_srcs = deliver_srcs + ",[.SRC.DELIVER]D_LOCAL.C"
$ deliver_srcs = deliver_srcs + ",[.SRC.DELIVER]D_SMTP.C"
$ deliver_srcs = deliver_srcs + ",[.SRC.DELIVER]D_SETTLE.C"
$ tap_srcs = ""
$ tap_srcs = tap_srcs + ",[.TESTS.UNIT]TAP.C"
$ tap_srcs = tap_srcs + ",[.TESTS.UNIT]TENV.C"
$! test_srcs: each a TAP test program, run by TEST.  testprog_srcs: programs
$! the test scripts drive, built the same way but not run as tests.
$ test_srcs = ""
$ test_srcs = test_srcs + ",[.TESTS.UNIT]T_STR.C"
$ test_srcs = test_srcs + ",[.TESTS.UNIT]T_CFGREAD.C"
$ test_srcs = test_srcs + ",[.TESTS.UNIT]T_CLI.C"
$ test_srcs = test_srcs + ",[.TESTS.UNIT]T_FSPEC.C"
$ test_srcs = test_srcs + ",[.TESTS.UNIT]T_LNM.C"
$ test_srcs = test_srcs + ",[.TESTS.UNIT]T_DICT.C"
$ test_srcs = test_srcs + ",[.TESTS.UNIT]T_SASL.C"
$ test_srcs = test_srcs + ",[.TESTS.UNIT]T_REWRITE.C"
$ test_srcs = test_srcs + ",[.TESTS.UNIT]T_SMTPIN.C"
$ test_srcs = test_srcs + ",[.TESTS.UNIT]T_ESMTP.C"
$ test_srcs = test_srcs + ",[.TESTS.UNIT]T_SMTPCLI.C"
$ test_srcs = test_srcs + ",[.TESTS.UNIT]T_DSN.C"
$ testprog_srcs = ""
$ testprog_srcs = testprog_srcs + ",[.TESTS.UNIT]SASL_DRIVE.C"
$ bench_srcs = ""
$ bench_srcs = bench_srcs + ",[.TESTS.BENCH]B_LNM.C"
$ bench_srcs = bench_srcs + ",[.TESTS.BENCH]B_PASSDB.C"
$ bench_srcs = bench_srcs + ",[.TESTS.BENCH]B_CONFIG.C"
$! END SOURCE LIST
$!
$ list = tap_srcs
$ gosub objects_of
$ tap_objs = objs
$!
$! Dispatch.
$!
$ if target .eqs. "CLEAN" then goto clean
$ if target .eqs. "RUNTESTS"
$ then
$   gosub run_tests
$   goto done
$ endif
$ gosub make_directories
$ gosub find_libraries
$ force_options = target .eqs. "OPTIONS"
$ gosub write_options
$ if target .eqs. "OPTIONS" then goto done
$ gosub choose_tool
$ write sys$output "BUILD: ''target' for ''arch', ''ptr'-bit pointers, ''debug', with ''tool'"
$ if tool .eqs. "DCL"
$ then
$   gosub build_with_dcl
$ else
$   gosub build_with_mms
$ endif
$ write sys$output "BUILD: built; PMDF.EXE and the tests are in ''exedir'"
$ if target .eqs. "TEST" then gosub run_tests
$ goto done
$!
$! ------------------------------------------------------------ subroutines
$!
$make_directories:
$ if f$search("''arch'.DIR;1") .eqs. "" then create/directory 'archdir'
$ if f$search(archdir + "OBJ.DIR;1") .eqs. "" then create/directory 'objdir'
$ if f$search(archdir + "EXE.DIR;1") .eqs. "" then create/directory 'exedir'
$ return
$!
$! find_libraries: out: ssl_img, crypto_img, ssl_inc, ssl_kit, z_img, db_img,
$! db_qual ("" when not found).  Cheap (F$SEARCH only), so it runs on every
$! build: the OPENSSL include logical name must be right even when the
$! options files already exist.
$!
$find_libraries:
$ ssl_img = ""
$ crypto_img = ""
$ ssl_inc = ""
$ ssl_kit = ""
$ img_default = "SYS$LIBRARY:.EXE"
$ if f$trnlnm("PMDF_LIBSSL") .nes. "" .or. f$trnlnm("PMDF_LIBCRYPTO") .nes. "" then -
	goto find_ssl_override
$! Each candidate: ,libssl|libcrypto|OPENSSL include logical|kit
$ cands = ""
$ if ptr .eqs. "32"
$ then
$   cands = cands + ",SYS$SHARE:SSL3$LIBSSL_SHR32.EXE|SYS$SHARE:SSL3$LIBCRYPTO_SHR32.EXE" + -
	"|SSL3$INCLUDE:|VSI SSL3 (OpenSSL 3.0)"
$   cands = cands + ",OSSL$LIBSSL03_SHR32|OSSL$LIBCRYPTO03_SHR32|OSSL$INCLUDE:[OPENSSL]|OpenSSL 3"
$   cands = cands + ",OSSL$LIBSSL03_SHR|OSSL$LIBCRYPTO03_SHR|OSSL$INCLUDE:[OPENSSL]|OpenSSL 3"
$   cands = cands + ",OSSL$LIBSSL_SHR32|OSSL$LIBCRYPTO_SHR32|OSSL$INCLUDE:[OPENSSL]" + -
	"|OpenSSL (OSSL$ logical names)"
$   cands = cands + ",OSSL$LIBSSL_SHR|OSSL$LIBCRYPTO_SHR|OSSL$INCLUDE:[OPENSSL]" + -
	"|OpenSSL (OSSL$ logical names)"
$   cands = cands + ",SYS$SHARE:SSL111$LIBSSL_SHR32.EXE|SYS$SHARE:SSL111$LIBCRYPTO_SHR32.EXE" + -
	"|SSL111$INCLUDE:|VSI SSL111 (OpenSSL 1.1.1, older than 3)"
$   cands = cands + ",SYS$SHARE:SSL$LIBSSL_SHR32.EXE|SYS$SHARE:SSL$LIBCRYPTO_SHR32.EXE" + -
	"|SSL$INCLUDE:|HP SSL 1.4 (OpenSSL 0.9.8, older than 3)"
$ else
$   cands = cands + ",SYS$SHARE:SSL3$LIBSSL_SHR.EXE|SYS$SHARE:SSL3$LIBCRYPTO_SHR.EXE" + -
	"|SSL3$INCLUDE:|VSI SSL3 (OpenSSL 3.0)"
$   cands = cands + ",OSSL$LIBSSL03_SHR64|OSSL$LIBCRYPTO03_SHR64|OSSL$INCLUDE:[OPENSSL]|OpenSSL 3"
$   cands = cands + ",OSSL$LIBSSL_SHR64|OSSL$LIBCRYPTO_SHR64|OSSL$INCLUDE:[OPENSSL]" + -
	"|OpenSSL (OSSL$ logical names)"
$   cands = cands + ",SYS$SHARE:SSL111$LIBSSL_SHR.EXE|SYS$SHARE:SSL111$LIBCRYPTO_SHR.EXE" + -
	"|SSL111$INCLUDE:|VSI SSL111 (OpenSSL 1.1.1, older than 3)"
$   cands = cands + ",SYS$SHARE:SSL$LIBSSL_SHR.EXE|SYS$SHARE:SSL$LIBCRYPTO_SHR.EXE" + -
	"|SSL$INCLUDE:|HP SSL 1.4 (OpenSSL 0.9.8, older than 3)"
$ endif
$ ci = 0
$find_ssl_next:
$ cand = f$element(ci, ",", cands)
$ if cand .eqs. "," then goto find_zlib
$ ci = ci + 1
$ if cand .eqs. "" then goto find_ssl_next
$ img = f$element(0, "|", cand)
$ gosub image_exists
$ if img_found .eqs. "" then goto find_ssl_next
$ ssl_img = img_found
$ img = f$element(1, "|", cand)
$ gosub image_exists
$ if img_found .eqs. "" then goto find_ssl_next
$ crypto_img = img_found
$ ssl_inc = f$element(2, "|", cand)
$ ssl_kit = f$element(3, "|", cand)
$ goto find_zlib
$find_ssl_override:
$ ssl_img = f$trnlnm("PMDF_LIBSSL")
$ crypto_img = f$trnlnm("PMDF_LIBCRYPTO")
$ ssl_kit = "PMDF_LIBSSL and PMDF_LIBCRYPTO"
$ if ssl_img .nes. "" .and. crypto_img .nes. "" then goto find_zlib
$ write sys$error "BUILD: define both PMDF_LIBSSL and PMDF_LIBCRYPTO, or neither"
$ goto usage_error
$find_zlib:
$ if ptr .eqs. "32" then cands = ",PMDF_LIBZ,GNV$LIBZSHR32,GNV$LIBZSHR"
$ if ptr .eqs. "64" then cands = ",PMDF_LIBZ,GNV$LIBZSHR64"
$ gosub first_image
$ z_img = img_found
$! Berkeley DB: the override, a shareable image, else an object library.
$ db_qual = "/SHAREABLE"
$ db_img = f$trnlnm("PMDF_LIBDB")
$ if db_img .nes. "" .and. f$edit(f$parse(db_img,,,"TYPE"), "UPCASE") .eqs. ".OLB" then -
	db_qual = "/LIBRARY"
$ if db_img .nes. "" then goto find_include
$ cands = ",LIBDB_SHR''ptr',LIBDB_SHR"
$ gosub first_image
$ db_img = img_found
$ if db_img .nes. "" then goto find_include
$ img_default = "SYS$LIBRARY:.OLB"
$ img = "LIBDB"
$ gosub image_exists
$ img_default = "SYS$LIBRARY:.EXE"
$ db_img = img_found
$ db_qual = "/LIBRARY"
$find_include:
$! Point the OPENSSL include logical name at the kit's headers, unless
$! the site already did.
$ if ssl_inc .nes. "" .and. f$trnlnm("OPENSSL") .eqs. ""
$ then
$   define/process/nolog OPENSSL 'ssl_inc'
$   deassign_openssl = 1
$ endif
$ return
$!
$! first_image: in: cands (",name,name..."); out: img_found, the first that
$! exists ("" when none does).
$!
$first_image:
$ fi = 0
$first_image_next:
$ img = f$element(fi, ",", cands)
$ img_found = ""
$ if img .eqs. "," then return
$ fi = fi + 1
$ if img .eqs. "" then goto first_image_next
$ gosub image_exists
$ if img_found .eqs. "" then goto first_image_next
$ return
$!
$! image_exists: in: img (logical name or file spec), img_default; out:
$! img_found, what to write into an options file ("" when it does not
$! exist).  A logical name or a spec with a device is written as it is; a
$! bare file name becomes the full spec found, since the linker would look
$! for it in the current directory.  At run time the image activator finds
$! a shareable image by the name it was linked with, as a logical name or
$! as SYS$SHARE:name.EXE: an image named through PMDF_LIB* must be
$! reachable that way too (DEFINE/SYSTEM or INSTALL it).
$!
$image_exists:
$ img_found = ""
$ if img .eqs. "" then return
$ img_spec = f$search(f$parse(img, img_default))
$ if img_spec .eqs. "" then return
$ img_found = img
$ if f$locate(":", img) .eq. f$length(img) .and. f$trnlnm(img) .eqs. "" then -
	img_found = f$element(0, ";", img_spec)
$ return
$!
$! write_options: writes the three options files when one is missing, or
$! when force_options is true (target OPTIONS).  Not rewritten otherwise,
$! so that a build does not relink everything.
$!
$write_options:
$ if (.not. force_options) .and. f$search(opt_ssl) .nes. "" .and. -
	f$search(opt_z) .nes. "" .and. f$search(opt_db) .nes. "" then return
$ open/write optf 'opt_ssl'
$ write optf "! OpenSSL for ''ptr'-bit pointers, written by BUILD.COM OPTIONS"
$ if ssl_img .nes. ""
$ then
$   write optf "! ''ssl_kit'"
$   write optf "''ssl_img'/SHAREABLE"
$   write optf "''crypto_img'/SHAREABLE"
$   write sys$output "BUILD: OpenSSL: ''ssl_kit': ''ssl_img', ''crypto_img'"
$   if f$locate("older than 3", ssl_kit) .lt. f$length(ssl_kit) then -
	write sys$error "BUILD: warning: ''ssl_kit' is not OpenSSL 3; install VSI SSL3 for TLS 1.3 and the OpenSSL 3 API"
$ else
$   write optf "! not found: install VSI SSL3 (SYS$SHARE:SSL3$LIBSSL_SHR32.EXE) or define PMDF_LIBSSL and PMDF_LIBCRYPTO"
$   write sys$error "BUILD: warning: no OpenSSL shareable images for ''ptr'-bit pointers: install VSI SSL3, or define PMDF_LIBSSL and PMDF_LIBCRYPTO, then @BUILD OPTIONS"
$ endif
$ close optf
$ open/write optf 'opt_z'
$ write optf "! zlib for ''ptr'-bit pointers, written by BUILD.COM OPTIONS"
$ if z_img .nes. ""
$ then
$   write optf "''z_img'/SHAREABLE"
$   write sys$output "BUILD: zlib: ''z_img'"
$ else
$   write optf "! not found: install the GNV zlib kit (GNV$LIBZSHR''ptr') or define PMDF_LIBZ"
$   write sys$error "BUILD: warning: no zlib shareable image: install the GNV zlib kit (GNV$LIBZSHR''ptr') or define PMDF_LIBZ, then @BUILD OPTIONS"
$ endif
$ close optf
$ open/write optf 'opt_db'
$ write optf "! Berkeley DB for ''ptr'-bit pointers, written by BUILD.COM OPTIONS"
$ if db_img .nes. ""
$ then
$   write optf "''db_img'''db_qual'"
$   write sys$output "BUILD: Berkeley DB: ''db_img'''db_qual'"
$ else
$   write optf "! not found: define PMDF_LIBDB as the Berkeley DB shareable image (.EXE) or object library (.OLB)"
$   write sys$error "BUILD: warning: no Berkeley DB: define PMDF_LIBDB (or LIBDB_SHR''ptr', LIBDB_SHR, LIBDB), then @BUILD OPTIONS"
$ endif
$ close optf
$ return
$!
$! choose_tool: out: tool = MMS, MMK or DCL.
$!
$choose_tool:
$ tool = f$edit(f$trnlnm("PMDF_BUILD_MAKE"), "UPCASE,TRIM")
$ if tool .nes. "" .and. tool .nes. "MMS" .and. tool .nes. "MMK" .and. tool .nes. "DCL"
$ then
$   write sys$error "BUILD: PMDF_BUILD_MAKE is ""''tool'"": use MMS, MMK or DCL"
$   goto usage_error
$ endif
$ have_mms = f$search("SYS$SYSTEM:MMS.EXE") .nes. ""
$ have_mmk = f$type(mmk) .nes. ""
$ if (.not. have_mmk) .and. f$trnlnm("MMK") .nes. ""
$ then
$   mmk = "$MMK"
$   have_mmk = 1
$ endif
$ if (.not. have_mmk) .and. f$search("SYS$SYSTEM:MMK.EXE") .nes. ""
$ then
$   mmk = "$SYS$SYSTEM:MMK.EXE"
$   have_mmk = 1
$ endif
$ if f$search("DESCRIP.MMS") .eqs. ""
$ then
$   if tool .eqs. "MMS" .or. tool .eqs. "MMK" then -
	write sys$error "BUILD: no DESCRIP.MMS here; building with DCL instead of ''tool'"
$   tool = "DCL"
$ endif
$ if tool .eqs. "MMS" .and. .not. have_mms
$ then
$   write sys$error "BUILD: PMDF_BUILD_MAKE asks for MMS, but SYS$SYSTEM:MMS.EXE does not exist"
$   goto usage_error
$ endif
$ if tool .eqs. "MMK" .and. .not. have_mmk
$ then
$   write sys$error "BUILD: PMDF_BUILD_MAKE asks for MMK, but there is no MMK symbol, logical name or SYS$SYSTEM:MMK.EXE"
$   goto usage_error
$ endif
$ if tool .nes. "" then return
$ tool = "DCL"
$ if have_mmk then tool = "MMK"
$ if have_mms then tool = "MMS"
$ return
$!
$! build_with_mms: DESCRIP.MMS does the work; the options files exist.
$!
$build_with_mms:
$ macros = """ARCH=''arch'"""
$ if debug .eqs. "DEBUG" then macros = macros + ",""DEBUG=1"""
$ if ptr .eqs. "64" then macros = macros + ",""POINTER64=1"""
$ if f$trnlnm("PMDF_CC_WARNINGS") .nes. "" then macros = macros + ",""CC_WARN=''cc_warn'"""
$ if f$trnlnm("PMDF_INCLUDE") .nes. "" then macros = macros + ",""PMDF_INCLUDE=1"""
$ 'tool' /DESCRIPTION=DESCRIP.MMS /MACRO=('macros') ALL
$ return
$!
$! build_with_dcl: compile what is out of date, then library and images.
$!
$build_with_dcl:
$ list = lib_srcs
$ gosub compile_list
$ gosub objects_of
$ out_file = olb
$ inputs = objs
$ gosub stale
$ if .not. is_stale then goto dcl_programs
$ if f$search(olb) .nes. "" then delete/nolog 'olb';*
$ write sys$output "LIBRARY ''olb'"
$ library/create/object 'olb'
$ oi = 0
$dcl_library_next:
$ o = f$element(oi, ",", objs)
$ if o .eqs. "," then goto dcl_programs
$ oi = oi + 1
$ if o .nes. "" then library/replace/object 'olb' 'o'
$ goto dcl_library_next
$dcl_programs:
$ list = pmdf_srcs + smtpd_srcs + disp_srcs + deliver_srcs + tap_srcs + test_srcs + testprog_srcs + bench_srcs
$ gosub compile_list
$ list = pmdf_srcs
$ gosub objects_of
$ exe = exedir + "PMDF.EXE"
$ link_qual = link_prog
$ gosub link_image
$ list = smtpd_srcs
$ gosub objects_of
$ exe = exedir + "TCP_SMTP_SERVER.EXE"
$ link_qual = link_prog
$ gosub link_image
$ list = disp_srcs
$ gosub objects_of
$ exe = exedir + "DISPATCHER.EXE"
$ link_qual = link_prog
$ gosub link_image
$ list = deliver_srcs
$ gosub objects_of
$ exe = exedir + "PMDF_DELIVER.EXE"
$ link_qual = link_prog
$ gosub link_image
$ link_qual = link_test
$ list = test_srcs + testprog_srcs
$ gosub link_each
$ list = bench_srcs
$ gosub link_each
$ return
$!
$! link_each: in: list; links every source's object (with tap_objs, the TAP
$! emitter and tenv, for those under [.TESTS.UNIT]) into an image of the same
$! name.
$!
$link_each:
$ each_list = list
$ ei = 0
$link_each_next:
$ s = f$element(ei, ",", each_list)
$ if s .eqs. "," then return
$ ei = ei + 1
$ if s .eqs. "" then goto link_each_next
$ name = f$parse(s,,,"NAME")
$ objs = objdir + name + ".OBJ"
$ if f$locate(".TESTS.UNIT]", f$edit(s, "UPCASE")) .lt. f$length(s) then objs = objs + "," + tap_objs
$ exe = exedir + name + ".EXE"
$ gosub link_image
$ goto link_each_next
$!
$! link_image: in: exe, objs, link_qual; links when exe is missing or older
$! than an object, the library or an options file.
$!
$link_image:
$ out_file = exe
$ inputs = objs + "," + olb + "," + opt_ssl + "," + opt_z + "," + opt_db
$ gosub stale
$ if .not. is_stale then return
$ write sys$output "LINK ''exe'"
$ link 'link_qual' /EXECUTABLE='exe' 'objs', 'olb'/LIBRARY, 'link_opts'
$ return
$!
$! compile_list: in: list; compiles each source whose object is missing or
$! older than the source.
$!
$compile_list:
$ ci = 0
$compile_next:
$ src = f$element(ci, ",", list)
$ if src .eqs. "," then return
$ ci = ci + 1
$ if src .eqs. "" then goto compile_next
$ if f$search(src) .eqs. ""
$ then
$   write sys$error "BUILD: ''src' is in the source list but does not exist; restore it, or remove it from BUILD.COM, DESCRIP.MMS and Makefile.unix"
$   goto usage_error
$ endif
$ obj = objdir + f$parse(src,,,"NAME") + ".OBJ"
$ out_file = obj
$ inputs = src
$ gosub stale
$ if .not. is_stale then goto compile_next
$ write sys$output "CC ''src'"
$ cc 'cc_qual' /OBJECT='obj' 'src'
$ goto compile_next
$!
$! stale: in: out_file, inputs (comma-separated, all existing); out:
$! is_stale, true when out_file is missing or older than one of the inputs.
$!
$stale:
$ is_stale = 1
$ if f$search(out_file) .eqs. "" then return
$ out_time = f$cvtime(f$file_attributes(out_file, "RDT"))
$ sti = 0
$stale_next:
$ inp = f$element(sti, ",", inputs)
$ if inp .eqs. "," then goto stale_none
$ sti = sti + 1
$ if inp .eqs. "" then goto stale_next
$ if f$cvtime(f$file_attributes(inp, "RDT")) .gts. out_time then return
$ goto stale_next
$stale_none:
$ is_stale = 0
$ return
$!
$! objects_of: in: list; out: objs, the comma-separated object names.
$!
$objects_of:
$ objs = ""
$ oi = 0
$objects_of_next:
$ s = f$element(oi, ",", list)
$ if s .eqs. "," then return
$ oi = oi + 1
$ if s .eqs. "" then goto objects_of_next
$ if objs .nes. "" then objs = objs + ","
$ objs = objs + objdir + f$parse(s,,,"NAME") + ".OBJ"
$ goto objects_of_next
$!
$! run_tests: the unit test programs and tests/*.t through prove, as
$! Makefile.unix's check does.  PMDF_BUILD and PMDF_SRCDIR are given to the
$! tests as Unix-style paths (the C RTL and Perl accept them), unless the
$! site defined them.
$!
$run_tests:
$ if f$type(perl) .eqs. "" .and. f$search("PERL_ROOT:[000000]PERL.EXE") .nes. "" then -
	perl = "$PERL_ROOT:[000000]PERL.EXE"
$ if f$type(perl) .eqs. ""
$ then
$   write sys$error "BUILD: the tests need Perl's prove: install VSI Perl, @PERL_ROOT:[000000]PERL_SETUP.COM, then @BUILD TEST; tests NOT run"
$   status = %X10000000
$   return
$ endif
$ set noon
$ define/user_mode sys$output nl:
$ define/user_mode sys$error nl:
$ perl "-MApp::Prove" "-e" "exit 0;"
$ have_prove = $status
$ set on
$ on error then goto failed
$ if .not. have_prove
$ then
$   write sys$error "BUILD: Perl has no App::Prove (Test::Harness 3): install it; tests NOT run"
$   status = %X10000000
$   return
$ endif
$ args = ""
$ ti = 0
$run_tests_next:
$ s = f$element(ti, ",", test_srcs)
$ if s .eqs. "," then goto run_tests_scripts
$ ti = ti + 1
$ if s .eqs. "" then goto run_tests_next
$ exe = exedir + f$parse(s,,,"NAME") + ".EXE"
$ if f$search(exe) .eqs. ""
$ then
$   write sys$error "BUILD: ''exe' does not exist: run @BUILD TEST (it builds first)"
$   status = %X10018292
$   return
$ endif
$ args = args + " " + f$element(0, ";", f$search(exe))
$ goto run_tests_next
$run_tests_scripts:
$ t = f$search("[.TESTS]*.T;", 1)
$ if t .eqs. "" then goto run_tests_names
$ args = args + " " + f$element(0, ";", t)
$ goto run_tests_scripts
$run_tests_names:
$ if f$trnlnm("PMDF_SRCDIR") .nes. "" .or. f$trnlnm("PMDF_BUILD") .nes. "" then goto run_tests_prove
$ vms_dir = top
$ gosub unixify
$ define/process/nolog PMDF_SRCDIR "''unix_dir'"
$ vms_dir = f$parse(archdir,,,"DEVICE") + f$parse(archdir,,,"DIRECTORY")
$ gosub unixify
$ define/process/nolog PMDF_BUILD "''unix_dir'"
$ deassign_test_names = 1
$run_tests_prove:
$ write sys$output "BUILD: prove -f''args'"
$ set noon
$ perl "-MApp::Prove" "-e" "my $app = App::Prove->new; $app->process_args(@ARGV); exit($app->run ? 0 : 44);" "-f" 'args'
$ test_status = $status
$ set on
$ on error then goto failed
$ if .not. test_status
$ then
$   write sys$error "BUILD: tests failed (prove's report is above)"
$   status = test_status .or. %X10000000
$ endif
$ return
$!
$! unixify: in: vms_dir (device:[dir.sub]); out: unix_dir (/device/dir/sub).
$!
$unixify:
$ u_dir = f$parse(vms_dir,,,"DIRECTORY") - "[" - "]" - "<" - ">" - "000000."
$ if u_dir .eqs. "000000" then u_dir = ""
$unixify_next:
$ u_dot = f$locate(".", u_dir)
$ if u_dot .ge. f$length(u_dir) then goto unixify_done
$ u_dir[u_dot,1] := "/"
$ goto unixify_next
$unixify_done:
$ unix_dir = "/" + (f$parse(vms_dir,,,"DEVICE") - ":")
$ if u_dir .nes. "" then unix_dir = unix_dir + "/" + u_dir
$ return
$!
$! remove_dir: in: dir_file (X.DIR;1), dir_spec ([.X]); deletes the
$! directory's files, then the directory.
$!
$remove_dir:
$ if f$search(dir_file) .eqs. "" then return
$ if f$search(dir_spec + "*.*;*") .nes. "" then delete/nolog 'dir_spec'*.*;*
$ set security/protection=(owner:rwed) 'dir_file'
$ delete/nolog 'dir_file'
$ return
$!
$! ------------------------------------------------------------ targets, exits
$!
$clean:
$ write sys$output "BUILD: CLEAN removes ''archdir' (other architectures' trees stay)"
$ dir_file = archdir + "OBJ.DIR;1"
$ dir_spec = objdir
$ gosub remove_dir
$ dir_file = archdir + "EXE.DIR;1"
$ dir_spec = exedir
$ gosub remove_dir
$ dir_file = "''arch'.DIR;1"
$ dir_spec = archdir
$ gosub remove_dir
$ goto done
$!
$usage_error:
$ status = %X10000014
$ goto done
$!
$interrupted:
$ status = %X1000002C
$ write sys$error "BUILD: interrupted"
$ goto done
$!
$failed:
$ status = $status
$ write sys$error "BUILD: ''target' failed: ''f$message(status)'"
$ status = status .or. %X10000000
$!
$done:
$ set noon
$ if f$trnlnm("OPTF") .nes. "" then close optf
$ if deassign_openssl then deassign/process OPENSSL
$ if deassign_test_names then deassign/process PMDF_SRCDIR
$ if deassign_test_names then deassign/process PMDF_BUILD
$ set default 'saved_default'
$ saved_verify = f$verify(saved_verify)
$ exit status
