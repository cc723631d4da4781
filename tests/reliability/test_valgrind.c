/* test_valgrind.c - placeholder */
int main(void)
{
	return 77;
}
