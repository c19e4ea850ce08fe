# mod_threads_oauth: the commands people type.
#
#   make            build .libs/mod_threads_oauth.so (apxs)
#   make install    install it into the system httpd (apxs -i) with its
#                   .load and .conf; make uninstall takes them away
#   make deb        the Debian package, in the parent folder
#   make demo       run a local httpd with a demo site and the Threads stand-in
#   make test       every test: unit, lint, integration against a real httpd
#   make bench      what the module costs httpd, against static serving
#   make profile    where its instructions go (callgrind)
#
# make deps installs the Debian packages that building needs; make demo,
# make deb and make test first install theirs (make test-deps: the test
# tools), each only what is missing (scripts/install-deps.sh).

APXS    ?= apxs
PYTHON  ?= /usr/bin/python3
CC      ?= cc
# CI builds with -Werror; so can anyone: make WERROR=1 test
WERROR  ?= $(if $(filter true,$(CI)),1,0)
# The integration tests mostly wait on httpd and the stand-in: run them in
# parallel workers (pytest-xdist), each with its own servers and ports.
JOBS    ?= 4
PYTEST   = $(PYTHON) -m pytest -q -p no:cacheprovider -n $(JOBS)
# Everything under t/ but the system install test, which changes the
# machine's apache2 and runs on its own (make check-install).
SUITE    = --ignore=t/system t/

include sources.mk

BUILD   = build
APR_CFLAGS := $(shell apr-1-config --cflags --cppflags --includes 2>/dev/null)
APR_LIBS   := $(shell apr-1-config --link-ld 2>/dev/null)
UNIT_CFLAGS = -std=gnu11 -g -O1 -Wall -Wextra -Wno-unused-parameter \
              $(if $(filter 1,$(WERROR)),-Werror) $(SRC_INCLUDES) \
              $(APR_CFLAGS)
UNIT_LIBS   = $(APR_LIBS) -lcurl -ljansson -lcrypto -lcheck -lsubunit -lm \
              -lpthread -lrt

all: module

module:
	$(MAKE) -f Makefile.apxs APXS=$(APXS) WERROR=$(WERROR)

# make install: the module into httpd's module folder (apxs -i), and its
# configuration where this system's httpd keeps module files, under
# DESTDIR when set. CONF_LAYOUT (found from apxs's SYSCONFDIR unless given):
#   debian  SYSCONFDIR/mods-available/threads_oauth.load and .conf, for
#           a2enmod threads_oauth
#   rpm     ../conf.modules.d/10-threads_oauth.conf (the LoadModule line,
#           read at the next start) and ../conf.d/threads_oauth.conf
#   none    the module only
# A .conf changed since it was installed is kept; the new one goes beside
# it as .conf.new. make uninstall disables the module (a2dismod) and
# removes what make install wrote, but for a .conf that differs from
# conf/threads_oauth.conf: the admin's edits stay, with one line saying so.
SYSCONFDIR  = $(shell $(APXS) -q SYSCONFDIR)
LIBEXECDIR  = $(shell $(APXS) -q LIBEXECDIR)
CONF_LAYOUT = $(shell if [ -d "$(SYSCONFDIR)/mods-available" ]; then \
    echo debian; elif [ -d "$(SYSCONFDIR)/../conf.modules.d" ]; then \
    echo rpm; else echo none; fi)
ifeq ($(CONF_LAYOUT),debian)
LOAD_FILE  = $(SYSCONFDIR)/mods-available/threads_oauth.load
CONF_FILE  = $(SYSCONFDIR)/mods-available/threads_oauth.conf
ENABLED    = $(SYSCONFDIR)/mods-enabled/threads_oauth
else ifeq ($(CONF_LAYOUT),rpm)
LOAD_FILE  = $(dir $(SYSCONFDIR))conf.modules.d/10-threads_oauth.conf
CONF_FILE  = $(dir $(SYSCONFDIR))conf.d/threads_oauth.conf
endif
PACKAGE    = libapache2-mod-threads-oauth
# Files of the Debian package are dpkg's: make (un)install leaves them be.
NOT_THE_PACKAGE = if [ -z "$(DESTDIR)" ] && dpkg-query -W -f='$${Status}' \
    $(PACKAGE) 2>/dev/null | grep -q 'ok installed'; then \
    echo "$(PACKAGE) is installed: apt-get remove it first (or set" \
        "DESTDIR)" >&2; exit 1; fi

install: module
	@$(NOT_THE_PACKAGE)
	$(MAKE) -f Makefile.apxs APXS=$(APXS) install
ifneq ($(LOAD_FILE),)
	install -d $(dir $(DESTDIR)$(LOAD_FILE)) $(dir $(DESTDIR)$(CONF_FILE))
	sed -e 's|/usr/lib/apache2/modules|$(LIBEXECDIR)|' \
	    $(if $(filter rpm,$(CONF_LAYOUT)),-e 's|^# Depends:.*|# Needs \
	    session_module and session_cookie_module (01-session.conf, package \
	    mod_session).|') \
	    conf/threads_oauth.load > $(DESTDIR)$(LOAD_FILE)
	chmod 644 $(DESTDIR)$(LOAD_FILE)
	@if [ -f $(DESTDIR)$(CONF_FILE) ] && \
	    ! cmp -s conf/threads_oauth.conf $(DESTDIR)$(CONF_FILE); then \
	    echo "kept $(CONF_FILE): the new one is $(CONF_FILE).new"; \
	    install -m 644 conf/threads_oauth.conf $(DESTDIR)$(CONF_FILE).new; \
	else \
	    echo "install -m 644 conf/threads_oauth.conf $(DESTDIR)$(CONF_FILE)"; \
	    install -m 644 conf/threads_oauth.conf $(DESTDIR)$(CONF_FILE); fi
endif
ifeq ($(CONF_LAYOUT),debian)
	@echo "Enable it with: a2enmod threads_oauth"
else ifeq ($(CONF_LAYOUT),rpm)
	@echo "Loaded at httpd's next start: $(LOAD_FILE)"
else
	@echo "Load it with: LoadModule threads_oauth_module" \
	    "$(LIBEXECDIR)/mod_threads_oauth.so"
endif

uninstall:
	@$(NOT_THE_PACKAGE)
ifeq ($(CONF_LAYOUT),debian)
	@if [ -z "$(DESTDIR)" ] && [ -e $(ENABLED).load ]; then \
	    echo a2dismod threads_oauth; a2dismod -q threads_oauth; fi
	rm -f $(DESTDIR)$(ENABLED).load $(DESTDIR)$(ENABLED).conf
endif
ifneq ($(LOAD_FILE),)
	rm -f $(DESTDIR)$(LOAD_FILE) $(DESTDIR)$(CONF_FILE).new
	@if [ -f $(DESTDIR)$(CONF_FILE) ] && \
	    ! cmp -s conf/threads_oauth.conf $(DESTDIR)$(CONF_FILE); then \
	    echo "kept $(CONF_FILE): it differs from conf/threads_oauth.conf" \
	        "(edited, or another version); remove it by hand if unwanted"; \
	else echo "rm -f $(DESTDIR)$(CONF_FILE)"; rm -f $(DESTDIR)$(CONF_FILE); fi
endif
	rm -f $(DESTDIR)$(LIBEXECDIR)/mod_threads_oauth.so

deps:
	@scripts/install-deps.sh build

test-deps:
	@scripts/install-deps.sh build test

# The Debian package, built as Debian builds it (dpkg-buildpackage, which
# first runs make clean): ../libapache2-mod-threads-oauth_<version>_<arch>.deb,
# checked with lintian (installed with the rest of the deb group).
deb:
	@scripts/install-deps.sh deb
	dpkg-buildpackage -us -uc -b
	@changes=$$(ls -t ../libapache2-mod-threads-oauth_*.changes | head -1); \
	echo "lintian $$changes"; lintian --fail-on error,warning "$$changes" \
	    && echo "lintian: no errors, no warnings"

# The protocol code (src/core), linked as it is into one Check runner:
# one suite per core file (t/unit/test_<file>.c).
$(BUILD)/unit_tests: $(CORE_SRCS) $(CORE_HDRS) $(UNIT_SRCS) t/unit/unit.h
	@mkdir -p $(BUILD)
	$(CC) $(UNIT_CFLAGS) -It/unit -o $@ $(UNIT_SRCS) $(CORE_SRCS) \
	    $(UNIT_LIBS)

unit: $(BUILD)/unit_tests
	$(BUILD)/unit_tests

lint: module
	@scripts/lint.sh

# The manual (docs/mod_threads_oauth.html), conf/threads_oauth.conf and
# README's table of directives, written from docs/directives.py; make lint
# fails when they or the code's directive table disagree with it.
docs:
	$(PYTHON) scripts/docs.py build

# playwright-core for the browser tests (they drive Debian's chromium).
browser-deps: t/browser/node_modules/.package-lock.json
t/browser/node_modules/.package-lock.json: t/browser/package-lock.json
	@if command -v npm >/dev/null; then \
	    cd t/browser && npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the browser tests will be skipped"; fi

integration: module browser-deps
	$(PYTEST) $(SUITE)

# The unit tests under valgrind: any memory error or leak fails.
check-valgrind: $(BUILD)/unit_tests
	CK_FORK=no valgrind -q --error-exitcode=1 --leak-check=full \
	    --errors-for-leak-kinds=definite,indirect $(BUILD)/unit_tests

# The module built with AddressSanitizer and UndefinedBehaviorSanitizer,
# in its own directory so the normal build stays as it is.
ASAN_DIR  = $(BUILD)/asan
ASAN_SO   = $(abspath $(ASAN_DIR))/.libs/mod_threads_oauth.so
ASAN_RUN  = THREADS_MODULE_SO=$(ASAN_SO) \
    THREADS_HTTPD_PRELOAD="$$(gcc -print-file-name=libasan.so):$$(gcc -print-file-name=libubsan.so)" \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    LSAN_OPTIONS=suppressions=$(abspath t/lsan.supp)

$(ASAN_SO): $(MODULE_SRCS) $(CORE_SRCS) $(HEADERS) sources.mk Makefile.apxs
	@mkdir -p $(ASAN_DIR)
	cp --parents $^ $(ASAN_DIR)/
	$(MAKE) -C $(ASAN_DIR) -f Makefile.apxs APXS=$(APXS) WERROR=$(WERROR) \
	    SANITIZE=address,undefined

# The whole integration suite with httpd running the sanitizer build; the
# core flows once more with leak detection (slower: every child's exit is
# scanned). Any sanitizer report in an error log fails the test.
check-asan: $(ASAN_SO) browser-deps
	$(ASAN_RUN) ASAN_OPTIONS=detect_leaks=0 \
	    $(PYTEST) $(SUITE)
	$(ASAN_RUN) ASAN_OPTIONS=detect_leaks=1 \
	    $(PYTEST) t/integration/test_3_login.py t/selftest/test_harness.py

# The libFuzzer targets (fuzz/): replay the corpora, then fuzz each target
# briefly; make fuzz runs longer (FUZZ_SECONDS per target).
FUZZ_SHORT_SECONDS ?= 10
fuzz-check:
	$(MAKE) -C fuzz replay short SHORT_SECONDS=$(FUZZ_SHORT_SECONDS)

fuzz:
	$(MAKE) -C fuzz fuzz

# Everything; the plain integration run comes last so its summary closes
# the output.
test: test-deps
	$(MAKE) module unit lint check-valgrind
	$(MAKE) fuzz-check
	$(MAKE) check-asan
	$(MAKE) check-install
	$(MAKE) integration

# The Debian package built (make deb, lintian included), installed into this
# machine's apache2 with apt-get, a login through that httpd, then purged;
# make install and make uninstall the same way; the machine as it was
# afterwards (t/system/test_install.py). Root only, and on its own, since
# it changes the system's httpd.
check-install:
	$(PYTHON) -m pytest -q -s -p no:cacheprovider t/system

# A soak on loopback: logins, authenticated requests and injected faults for
# SOAK_SECONDS on each MPM (t/soak.py). Fails on unexplained 5xx, crashes,
# RSS growth over 20 % after the warm-up, descriptor growth. make test runs
# a short one (t/integration/test_soak.py).
SOAK_SECONDS ?= 120
soak: test-deps module
	$(PYTHON) t/soak.py --seconds $(SOAK_SECONDS) --mpm event
	$(PYTHON) t/soak.py --seconds $(SOAK_SECONDS) --mpm prefork

# The same under ASan/UBSan with leak detection at child exit (RSS check
# off: ASan's quarantine grows memory by design).
soak-asan: $(ASAN_SO)
	$(ASAN_RUN) ASAN_OPTIONS=detect_leaks=1 \
	    $(PYTHON) t/soak.py --seconds 60 --mpm prefork --max-rss-growth 100000

# What the module costs httpd, each figure against plain static serving by
# the same httpd in the same run (scripts/bench.py): throughput and CPU per
# request (static, mod_session alone, AuthType Threads on each session
# store), CPU and TLS handshakes per login, RSS; then the budgets, PASS or
# FAIL. BENCH_SECONDS and BENCH_ROUNDS change the rounds; BENCH_STRICT=1
# makes a failed budget fail make. Output in build/bench.
bench: test-deps module
	$(PYTHON) scripts/bench.py

# Where httpd's instructions go on the request path and in a login:
# httpd -X under callgrind (scripts/profile.py); report in build/profile.
profile: test-deps module
	$(PYTHON) scripts/profile.py

demo-deps:
	@scripts/install-deps.sh demo

demo: demo-deps module
	@scripts/demo.sh

clean:
	$(MAKE) -f Makefile.apxs clean
	$(MAKE) -C fuzz clean
	rm -rf $(BUILD) t/__pycache__ t/*/__pycache__

.PHONY: all module install uninstall deps test-deps demo-deps deb unit lint docs integration browser-deps \
        check-valgrind check-asan check-install fuzz-check fuzz soak soak-asan bench profile \
        test demo clean
