/* dlopen/host.c: dlopen(argv[1]) as a program would load a plugin, call tiny_answer, and
 * report: prints 42 and exits 0 when it loaded; prints dlerror() and exits 127 when ld.so
 * refused it (the exit status ld.so itself uses for a refused DT_NEEDED library). */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv) {
    if (argc != 2)
        return 2;
    void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        printf("%s\n", dlerror());
        return 127;
    }
    int (*f)(void) = (int (*)(void))dlsym(h, "tiny_answer");
    if (!f)
        return 126;
    printf("%d\n", f());
    return 0;
}
