# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_goelf_global_optspecs
    string join \n q/quiet color= h/help V/version
end

function __fish_goelf_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_goelf_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_goelf_using_subcommand
    set -l cmd (__fish_goelf_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c goelf -n "__fish_goelf_needs_command" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'Colour when stdout is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t'Always colour (also in pipes)'
never\t'Never colour'"
complete -c goelf -n "__fish_goelf_needs_command" -s q -l quiet -d 'Print nothing on standard output: only the exit status, and errors on stderr'
complete -c goelf -n "__fish_goelf_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c goelf -n "__fish_goelf_needs_command" -s V -l version -d 'Print version'
complete -c goelf -n "__fish_goelf_needs_command" -f -a "inspect" -d 'ELF container, loader checks, hardening and Go metadata of each file'
complete -c goelf -n "__fish_goelf_needs_command" -f -a "funcs" -d 'Every function from the pclntab (stripped binaries too); addr2line with --addr'
complete -c goelf -n "__fish_goelf_needs_command" -f -a "init-order" -d 'The order Go packages initialise in, why, and whether it changed'
complete -c goelf -n "__fish_goelf_needs_command" -f -a "reloc-cost" -d 'Dynamic relocations and their load-time cost, file by file side by side (ELF; PE base relocations and imports; Mach-O rebases and binds)'
complete -c goelf -n "__fish_goelf_needs_command" -f -a "size" -d 'Bytes per Go package and module: text, pclntab, data, rodata, bss'
complete -c goelf -n "__fish_goelf_needs_command" -f -a "sbom" -d 'A CycloneDX 1.6 or SPDX 2.3 SBOM from the build info'
complete -c goelf -n "__fish_goelf_needs_command" -f -a "startup" -d 'The path from execve to main.main, step by step, with addresses; --gdb to confirm it'
complete -c goelf -n "__fish_goelf_needs_command" -f -a "symbolize" -d 'Symbolize a Go traceback, crash log or address list: function, file:line, inlined calls'
complete -c goelf -n "__fish_goelf_needs_command" -f -a "diff" -d 'What changed between two builds: versions, modules, settings, hardening, sizes, code'
complete -c goelf -n "__fish_goelf_needs_command" -f -a "check" -d 'Check binaries against a policy (TOML): PIE, RELRO, Go version, modules, cgo, sizes, …'
complete -c goelf -n "__fish_goelf_needs_command" -f -a "generate" -d 'Generate the man page or shell completions'
complete -c goelf -n "__fish_goelf_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c goelf -n "__fish_goelf_using_subcommand inspect" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'Colour when stdout is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t'Always colour (also in pipes)'
never\t'Never colour'"
complete -c goelf -n "__fish_goelf_using_subcommand inspect" -l json -d 'Print one JSON document for all files (schema_version 1)'
complete -c goelf -n "__fish_goelf_using_subcommand inspect" -l modules -d 'Print the build information exactly as `go version -m` does'
complete -c goelf -n "__fish_goelf_using_subcommand inspect" -l no-sections -d 'Leave out the section headers table (human output)'
complete -c goelf -n "__fish_goelf_using_subcommand inspect" -l no-go -d 'Only the container; skip the Go metadata'
complete -c goelf -n "__fish_goelf_using_subcommand inspect" -l dwarf -d 'Read all of the DWARF: count every compile unit and list every producer (by default a compressed `.debug_info` is read only up to the first Go producer)'
complete -c goelf -n "__fish_goelf_using_subcommand inspect" -s q -l quiet -d 'Print nothing on standard output: only the exit status, and errors on stderr'
complete -c goelf -n "__fish_goelf_using_subcommand inspect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c goelf -n "__fish_goelf_using_subcommand funcs" -l package -d 'Only functions of the packages matching this `go list` pattern: an import path (`net/http`), or with `...` (`net/http/...` is net/http and everything below it). Repeatable: the union. The linker\'s escaped `gopkg.in/ini%2ev1` means `gopkg.in/ini.v1`' -r
complete -c goelf -n "__fish_goelf_using_subcommand funcs" -l match -d 'Only functions whose name matches this regular expression' -r
complete -c goelf -n "__fish_goelf_using_subcommand funcs" -l addr -d 'Look up these addresses (hex, with or without 0x) instead of listing functions; `-` reads them from standard input, one a line. With --match or --package only the addresses in matching functions are printed' -r
complete -c goelf -n "__fish_goelf_using_subcommand funcs" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'Colour when stdout is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t'Always colour (also in pipes)'
never\t'Never colour'"
complete -c goelf -n "__fish_goelf_using_subcommand funcs" -l json -d 'Print JSON'
complete -c goelf -n "__fish_goelf_using_subcommand funcs" -l json-lines -d 'Print JSON lines: one object per line, per file a `file` line, then one line per function (or lookup), per problem, and an `end` line (see below); streamed'
complete -c goelf -n "__fish_goelf_using_subcommand funcs" -l no-dwarf-check -d 'With --addr: do not cross-check the pclntab\'s file:line against the DWARF line table'
complete -c goelf -n "__fish_goelf_using_subcommand funcs" -s q -l quiet -d 'Print nothing on standard output: only the exit status, and errors on stderr'
complete -c goelf -n "__fish_goelf_using_subcommand funcs" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c goelf -n "__fish_goelf_using_subcommand init-order" -l why -d 'Explain why PKG initialises where it does' -r
complete -c goelf -n "__fish_goelf_using_subcommand init-order" -l baseline -d 'Compare against OLD (a binary, or saved `--json` output): print what moved, appeared or vanished; exit 0 same order, 1 changed, 2 error' -r -F
complete -c goelf -n "__fish_goelf_using_subcommand init-order" -l src -d 'Directory of the command\'s source: run `go list -deps -json` there for the exact import graph (with the binary\'s GOOS/GOARCH/CGO_ENABLED)' -r -F
complete -c goelf -n "__fish_goelf_using_subcommand init-order" -l imports -d 'Saved `go list -deps -json` output to use as the import graph' -r -F
complete -c goelf -n "__fish_goelf_using_subcommand init-order" -l go -d 'The go command for --src' -r -F
complete -c goelf -n "__fish_goelf_using_subcommand init-order" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'Colour when stdout is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t'Always colour (also in pipes)'
never\t'Never colour'"
complete -c goelf -n "__fish_goelf_using_subcommand init-order" -l json -d 'Print one JSON document for all files (schema_version 1)'
complete -c goelf -n "__fish_goelf_using_subcommand init-order" -l dot -d 'Print the dependency graph as a Graphviz digraph, nodes labelled with their order'
complete -c goelf -n "__fish_goelf_using_subcommand init-order" -l no-observed -d 'Do not decode machine code for observed references (Go 1.21+ without source)'
complete -c goelf -n "__fish_goelf_using_subcommand init-order" -l all-observed -d 'Decode every function for observed references, not only those of packages in the init lists (same report; for cross-checking the default scope)'
complete -c goelf -n "__fish_goelf_using_subcommand init-order" -s q -l quiet -d 'Print nothing on standard output: only the exit status, and errors on stderr'
complete -c goelf -n "__fish_goelf_using_subcommand init-order" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c goelf -n "__fish_goelf_using_subcommand reloc-cost" -l measure -d 'Start each file under LD_DEBUG=statistics and report the loader\'s median relocation time. `entry` (the default): stop it at its entry point and kill it, so that none of the file\'s own code runs (x86-64 Linux; the loader and its libraries\' constructors do run); `run`: run it to the end (no arguments, stdin closed, output discarded)' -r -f -a "entry\t'Stop at the entry point'
run\t'Run to the end'"
complete -c goelf -n "__fish_goelf_using_subcommand reloc-cost" -l runs -d 'Runs per file for --measure' -r
complete -c goelf -n "__fish_goelf_using_subcommand reloc-cost" -l timeout -d 'Seconds before a run is killed (--measure)' -r
complete -c goelf -n "__fish_goelf_using_subcommand reloc-cost" -l tsc-mhz -d 'The loader\'s cycle counter rate in MHz (the TSC rate on x86), when goelf cannot find it' -r
complete -c goelf -n "__fish_goelf_using_subcommand reloc-cost" -l build -d 'Build the Go package in DIR four ways (default, pie, -s -w, pie -s -w) and compare them' -r -F
complete -c goelf -n "__fish_goelf_using_subcommand reloc-cost" -l go -d 'The go command for --build (default: `go` on PATH)' -r -F
complete -c goelf -n "__fish_goelf_using_subcommand reloc-cost" -l out -d 'Keep the --build binaries in this directory (default: a temporary one, removed)' -r -F
complete -c goelf -n "__fish_goelf_using_subcommand reloc-cost" -l model -d 'The model\'s constants: `host` (default) calibrates them on this machine by timing the loader on small generated PIEs (LD_DEBUG=statistics, each stopped at its entry point; well under a second), and the estimate then also counts ld.so\'s fixed work and the DT_NEEDED libraries\' relocations (libc.so.6 as timed); where the loader cannot be timed, micro-benchmarks scaled against the machine the published constants were fitted on (the file\'s own relocations only); `fixed` uses the published constants (bench/reloc-cost-model.md) for the file\'s own relocations, comparable across machines' -r -f -a "host\t'Calibrated on this host'
fixed\t'The published constants'"
complete -c goelf -n "__fish_goelf_using_subcommand reloc-cost" -l relative-ns -d 'Model: ns per relocation without a symbol (overrides --model)' -r
complete -c goelf -n "__fish_goelf_using_subcommand reloc-cost" -l relr-ns -d 'Model: ns per DT_RELR relocation (overrides --model)' -r
complete -c goelf -n "__fish_goelf_using_subcommand reloc-cost" -l lookup-ns -d 'Model: ns per symbol lookup (overrides --model)' -r
complete -c goelf -n "__fish_goelf_using_subcommand reloc-cost" -l page-ns -d 'Model: ns per dirtied 4 KiB page (overrides --model)' -r
complete -c goelf -n "__fish_goelf_using_subcommand reloc-cost" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'Colour when stdout is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t'Always colour (also in pipes)'
never\t'Never colour'"
complete -c goelf -n "__fish_goelf_using_subcommand reloc-cost" -l json -d 'Print one JSON document (schema_version 1)'
complete -c goelf -n "__fish_goelf_using_subcommand reloc-cost" -s q -l quiet -d 'Print nothing on standard output: only the exit status, and errors on stderr'
complete -c goelf -n "__fish_goelf_using_subcommand reloc-cost" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c goelf -n "__fish_goelf_using_subcommand size" -l by -d 'Rows per package or per module' -r -f -a "package\t''
module\t''"
complete -c goelf -n "__fish_goelf_using_subcommand size" -l top -d 'Only the N largest rows (0: all)' -r
complete -c goelf -n "__fish_goelf_using_subcommand size" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'Colour when stdout is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t'Always colour (also in pipes)'
never\t'Never colour'"
complete -c goelf -n "__fish_goelf_using_subcommand size" -l sections -d 'Also list every section with what is attributed in it'
complete -c goelf -n "__fish_goelf_using_subcommand size" -l json -d 'Print one JSON document for all files (schema_version 1); every row, every section'
complete -c goelf -n "__fish_goelf_using_subcommand size" -s q -l quiet -d 'Print nothing on standard output: only the exit status, and errors on stderr'
complete -c goelf -n "__fish_goelf_using_subcommand size" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c goelf -n "__fish_goelf_using_subcommand sbom" -l format -d 'Document format' -r -f -a "cyclonedx\t''
spdx\t''"
complete -c goelf -n "__fish_goelf_using_subcommand sbom" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'Colour when stdout is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t'Always colour (also in pipes)'
never\t'Never colour'"
complete -c goelf -n "__fish_goelf_using_subcommand sbom" -l timestamp -d 'Put the current time (or SOURCE_DATE_EPOCH) into a CycloneDX document'
complete -c goelf -n "__fish_goelf_using_subcommand sbom" -s q -l quiet -d 'Print nothing on standard output: only the exit status, and errors on stderr'
complete -c goelf -n "__fish_goelf_using_subcommand sbom" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c goelf -n "__fish_goelf_using_subcommand startup" -l runs -d 'Runs per file for --measure (medians are printed)' -r
complete -c goelf -n "__fish_goelf_using_subcommand startup" -l timeout -d 'Seconds before a --measure run is killed' -r
complete -c goelf -n "__fish_goelf_using_subcommand startup" -l tsc-mhz -d 'The loader timer\'s rate in MHz for --measure (default: read from the host)' -r
complete -c goelf -n "__fish_goelf_using_subcommand startup" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'Colour when stdout is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t'Always colour (also in pipes)'
never\t'Never colour'"
complete -c goelf -n "__fish_goelf_using_subcommand startup" -l json -d 'Print one JSON document for all files (schema_version 1)'
complete -c goelf -n "__fish_goelf_using_subcommand startup" -l gdb -d 'Print a gdb command file that breaks at every step\'s address in order and logs each hit (run it with `gdb -nx -batch -x SCRIPT FILE`; that runs FILE)'
complete -c goelf -n "__fish_goelf_using_subcommand startup" -l measure -d 'Run each file (x86-64 Linux) to main.main and time every step: the kernel\'s execve, the dynamic loader (LD_DEBUG=statistics), the entry code and constructors, the runtime bootstrap, each package\'s init (GODEBUG=inittrace=1); the program is killed at main.main, before it runs. This RUNS the file: only for files you trust'
complete -c goelf -n "__fish_goelf_using_subcommand startup" -s q -l quiet -d 'Print nothing on standard output: only the exit status, and errors on stderr'
complete -c goelf -n "__fish_goelf_using_subcommand startup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c goelf -n "__fish_goelf_using_subcommand symbolize" -l base -d 'Load bias of a PIE (its first mapping\'s start in /proc/PID/maps minus the first PT_LOAD\'s p_vaddr, which is 0x400000 for Go): subtracted from runtime addresses (pc=, bare addresses, registers). Default: what the trace\'s frames imply (pc= against function+offset), else 0' -r
complete -c goelf -n "__fish_goelf_using_subcommand symbolize" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'Colour when stdout is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t'Always colour (also in pipes)'
never\t'Never colour'"
complete -c goelf -n "__fish_goelf_using_subcommand symbolize" -l json -d 'Print JSON (schema_version 1)'
complete -c goelf -n "__fish_goelf_using_subcommand symbolize" -s q -l quiet -d 'Print nothing on standard output: only the exit status, and errors on stderr'
complete -c goelf -n "__fish_goelf_using_subcommand symbolize" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c goelf -n "__fish_goelf_using_subcommand diff" -l ignore -d 'Leave KIND out of the exit status (still reported); repeatable' -r
complete -c goelf -n "__fish_goelf_using_subcommand diff" -l top -d 'Rows per kind in the text (0: all)' -r
complete -c goelf -n "__fish_goelf_using_subcommand diff" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'Colour when stdout is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t'Always colour (also in pipes)'
never\t'Never colour'"
complete -c goelf -n "__fish_goelf_using_subcommand diff" -l json -d 'Print one JSON document (schema_version 1) with every detail and NEW\'s snapshot'
complete -c goelf -n "__fish_goelf_using_subcommand diff" -l functions -d 'List the names of functions added and removed (text; JSON always has them)'
complete -c goelf -n "__fish_goelf_using_subcommand diff" -s q -l quiet -d 'Print nothing on standard output: only the exit status, and errors on stderr'
complete -c goelf -n "__fish_goelf_using_subcommand diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c goelf -n "__fish_goelf_using_subcommand check" -l policy -d 'The policy (TOML)' -r -F
complete -c goelf -n "__fish_goelf_using_subcommand check" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'Colour when stdout is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t'Always colour (also in pipes)'
never\t'Never colour'"
complete -c goelf -n "__fish_goelf_using_subcommand check" -l json -d 'Print one JSON document (schema_version 1) with every rule of every file'
complete -c goelf -n "__fish_goelf_using_subcommand check" -s q -l quiet -d 'Print nothing on standard output: only the exit status, and errors on stderr'
complete -c goelf -n "__fish_goelf_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c goelf -n "__fish_goelf_using_subcommand generate; and not __fish_seen_subcommand_from man completions help" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'Colour when stdout is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t'Always colour (also in pipes)'
never\t'Never colour'"
complete -c goelf -n "__fish_goelf_using_subcommand generate; and not __fish_seen_subcommand_from man completions help" -s q -l quiet -d 'Print nothing on standard output: only the exit status, and errors on stderr'
complete -c goelf -n "__fish_goelf_using_subcommand generate; and not __fish_seen_subcommand_from man completions help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c goelf -n "__fish_goelf_using_subcommand generate; and not __fish_seen_subcommand_from man completions help" -f -a "man" -d 'Write goelf.1 and one page per subcommand into DIR'
complete -c goelf -n "__fish_goelf_using_subcommand generate; and not __fish_seen_subcommand_from man completions help" -f -a "completions" -d 'Write the completion script for SHELL into DIR (or stdout)'
complete -c goelf -n "__fish_goelf_using_subcommand generate; and not __fish_seen_subcommand_from man completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c goelf -n "__fish_goelf_using_subcommand generate; and __fish_seen_subcommand_from man" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'Colour when stdout is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t'Always colour (also in pipes)'
never\t'Never colour'"
complete -c goelf -n "__fish_goelf_using_subcommand generate; and __fish_seen_subcommand_from man" -s q -l quiet -d 'Print nothing on standard output: only the exit status, and errors on stderr'
complete -c goelf -n "__fish_goelf_using_subcommand generate; and __fish_seen_subcommand_from man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c goelf -n "__fish_goelf_using_subcommand generate; and __fish_seen_subcommand_from completions" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'Colour when stdout is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t'Always colour (also in pipes)'
never\t'Never colour'"
complete -c goelf -n "__fish_goelf_using_subcommand generate; and __fish_seen_subcommand_from completions" -s q -l quiet -d 'Print nothing on standard output: only the exit status, and errors on stderr'
complete -c goelf -n "__fish_goelf_using_subcommand generate; and __fish_seen_subcommand_from completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c goelf -n "__fish_goelf_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "man" -d 'Write goelf.1 and one page per subcommand into DIR'
complete -c goelf -n "__fish_goelf_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "completions" -d 'Write the completion script for SHELL into DIR (or stdout)'
complete -c goelf -n "__fish_goelf_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c goelf -n "__fish_goelf_using_subcommand help; and not __fish_seen_subcommand_from inspect funcs init-order reloc-cost size sbom startup symbolize diff check generate help" -f -a "inspect" -d 'ELF container, loader checks, hardening and Go metadata of each file'
complete -c goelf -n "__fish_goelf_using_subcommand help; and not __fish_seen_subcommand_from inspect funcs init-order reloc-cost size sbom startup symbolize diff check generate help" -f -a "funcs" -d 'Every function from the pclntab (stripped binaries too); addr2line with --addr'
complete -c goelf -n "__fish_goelf_using_subcommand help; and not __fish_seen_subcommand_from inspect funcs init-order reloc-cost size sbom startup symbolize diff check generate help" -f -a "init-order" -d 'The order Go packages initialise in, why, and whether it changed'
complete -c goelf -n "__fish_goelf_using_subcommand help; and not __fish_seen_subcommand_from inspect funcs init-order reloc-cost size sbom startup symbolize diff check generate help" -f -a "reloc-cost" -d 'Dynamic relocations and their load-time cost, file by file side by side (ELF; PE base relocations and imports; Mach-O rebases and binds)'
complete -c goelf -n "__fish_goelf_using_subcommand help; and not __fish_seen_subcommand_from inspect funcs init-order reloc-cost size sbom startup symbolize diff check generate help" -f -a "size" -d 'Bytes per Go package and module: text, pclntab, data, rodata, bss'
complete -c goelf -n "__fish_goelf_using_subcommand help; and not __fish_seen_subcommand_from inspect funcs init-order reloc-cost size sbom startup symbolize diff check generate help" -f -a "sbom" -d 'A CycloneDX 1.6 or SPDX 2.3 SBOM from the build info'
complete -c goelf -n "__fish_goelf_using_subcommand help; and not __fish_seen_subcommand_from inspect funcs init-order reloc-cost size sbom startup symbolize diff check generate help" -f -a "startup" -d 'The path from execve to main.main, step by step, with addresses; --gdb to confirm it'
complete -c goelf -n "__fish_goelf_using_subcommand help; and not __fish_seen_subcommand_from inspect funcs init-order reloc-cost size sbom startup symbolize diff check generate help" -f -a "symbolize" -d 'Symbolize a Go traceback, crash log or address list: function, file:line, inlined calls'
complete -c goelf -n "__fish_goelf_using_subcommand help; and not __fish_seen_subcommand_from inspect funcs init-order reloc-cost size sbom startup symbolize diff check generate help" -f -a "diff" -d 'What changed between two builds: versions, modules, settings, hardening, sizes, code'
complete -c goelf -n "__fish_goelf_using_subcommand help; and not __fish_seen_subcommand_from inspect funcs init-order reloc-cost size sbom startup symbolize diff check generate help" -f -a "check" -d 'Check binaries against a policy (TOML): PIE, RELRO, Go version, modules, cgo, sizes, …'
complete -c goelf -n "__fish_goelf_using_subcommand help; and not __fish_seen_subcommand_from inspect funcs init-order reloc-cost size sbom startup symbolize diff check generate help" -f -a "generate" -d 'Generate the man page or shell completions'
complete -c goelf -n "__fish_goelf_using_subcommand help; and not __fish_seen_subcommand_from inspect funcs init-order reloc-cost size sbom startup symbolize diff check generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c goelf -n "__fish_goelf_using_subcommand help; and __fish_seen_subcommand_from generate" -f -a "man" -d 'Write goelf.1 and one page per subcommand into DIR'
complete -c goelf -n "__fish_goelf_using_subcommand help; and __fish_seen_subcommand_from generate" -f -a "completions" -d 'Write the completion script for SHELL into DIR (or stdout)'
