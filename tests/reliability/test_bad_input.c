/* test_bad_input.c - placeholder */
int main(void)
{
	return 77;
}
