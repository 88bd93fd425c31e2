/* dlopen/lib.c: the smallest shared library with code, data and .bss, for the loader
 * mutant test (tests/it/loader_mutants.rs): each mutant of lib.so is dlopen()ed by host.c.
 * Built by the test itself with `cc -shared -fPIC`. */
int tiny_data = 40;
int tiny_bss;

int tiny_answer(void) {
    tiny_bss += 2;
    return tiny_data + tiny_bss;
}
