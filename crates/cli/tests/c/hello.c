#include <stdio.h>
int main(int argc, char **argv) {
    printf("hello from %d args\n", argc);
    for (int i = 1; i < argc; i++) printf("arg %d: %s\n", i, argv[i]);
    return argc > 2 ? 42 : 0;
}
