/* notgo-c: a tiny non-Go C program, the negative fixture for goelf. */
#include <stdio.h>

static int ready;

__attribute__((constructor)) static void setup(void) { ready = 1; }

int main(void) {
	printf("notgo-c: ready=%d\n", ready);
	return 0;
}
