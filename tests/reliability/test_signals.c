/* test_signals.c - placeholder */
int main(void)
{
	return 77;
}
