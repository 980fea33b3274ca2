/* Floor of `cmd-hash` (with the `cmd-read` floor added by scripts/bench): one Argon2id
 * verification of a PHC string at the cost it was made with, libargon2 only.
 *
 *   floor_hash 'PHC-STRING' PASSWORD   (exit 0 when the password matches) */
#include <argon2.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char** argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: floor_hash PHC PASSWORD\n");
        return 2;
    }
    int rc = argon2id_verify(argv[1], argv[2], strlen(argv[2]));
    if (rc != ARGON2_OK) {
        fprintf(stderr, "floor_hash: %s\n", argon2_error_message(rc));
        return 1;
    }
    return 0;
}
