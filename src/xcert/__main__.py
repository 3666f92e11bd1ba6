from xcert.cli import main

main()
