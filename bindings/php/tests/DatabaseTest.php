<?php

declare(strict_types=1);

namespace Libcs\Tests;

use Libcs\Database;
use Libcs\Exception\DatabaseClosed;
use Libcs\Exception\InvalidArgument;
use Libcs\Exception\NotFound;
use Libcs\Exception\ReadOnlyDatabase;

final class DatabaseTest extends LibcsTestCase
{
    public function testOpenCreatesTheFileAndCloseIsFinal(): void
    {
        $this->assertFileExists("{$this->dir}/helpdesk.db");
        $this->assertSame("{$this->dir}/helpdesk.db", $this->db->path);
        $this->assertFalse($this->db->isClosed());
        $this->db->close();
        $this->db->close();
        $this->assertTrue($this->db->isClosed());
        try {
            $this->db->call('version');
            $this->fail('a closed database answered');
        } catch (DatabaseClosed $e) {
            $this->assertSame('EINVAL', $e->getCodeName());
            $this->assertSame('db', $e->getField());
        }
        $this->expectException(DatabaseClosed::class);
        $this->db->asAgent(1);
    }

    public function testWhatWasWrittenIsThereAfterReopening(): void
    {
        $id = $this->webform();
        $this->db->close();
        $again = Database::open("{$this->dir}/helpdesk.db", create: false);
        $this->assertSame('Contact form', $again->channelGet(id: $id)['name']);
        $again->close();
    }

    public function testOpeningAMissingFileWithoutCreateFails(): void
    {
        try {
            new Database("{$this->dir}/missing.db", create: false);
            $this->fail('a missing database opened');
        } catch (NotFound $e) {
            $this->assertSame('path', $e->getField());
        }
        $this->assertFileDoesNotExist("{$this->dir}/missing.db");
    }

    public function testReadOnlyReadsButRefusesChanges(): void
    {
        $id = $this->webform();
        $reader = new Database("{$this->dir}/helpdesk.db", readOnly: true);
        $this->assertSame($id, $reader->channelList()['channels'][0]['id']);
        try {
            $reader->channelCreate(kind: 'email', name: 'Mail');
            $this->fail('a read-only database took a change');
        } catch (ReadOnlyDatabase $e) {
            $this->assertSame('EREADONLY', $e->getCodeName());
        }
        $reader->close();
        $this->assertCount(1, $this->db->channelList()['channels']);
    }

    public function testVersionIsTheLibrarys(): void
    {
        $version = Database::libraryVersion();
        $this->assertMatchesRegularExpression('/^\d+\.\d+\.\d+$/', $version);
        $this->assertSame($version, $this->db->call('version')['version']);
    }

    public function testTextTravelsIntactBothWays(): void
    {
        $name = "Zoë Ærøskøbing \u{2713} \"quoted\" / <b>";
        $customer = $this->db->customerCreate([
            'name' => $name,
            'identities' => [['kind' => 'email', 'value' => 'Zoe@Example.com']],
            'custom' => new \stdClass(),
            'tags' => [],
        ]);
        $this->assertSame($name, $customer['name']);
        $this->assertSame([['kind' => 'email', 'value' => 'zoe@example.com']], $customer['identities']);
        $this->assertSame([], $customer['custom']);
        $this->assertIsInt($customer['id']);
        $this->assertNull($customer['organization_id']);
    }

    public function testTimesAreSentAsUtc(): void
    {
        $now = new \DateTimeImmutable('2026-03-09T10:00:00+01:00');
        $this->assertSame('2026-03-09T09:00:00Z', $this->db->tick(now: $now)['now']);
        $this->assertSame('2026-03-09T09:00:00Z', $this->db->tick(['now' => new \DateTime('2026-03-09 09:00:00', new \DateTimeZone('UTC'))])['now']);
    }

    public function testANulByteNeverShortensAMethodOrAPath(): void
    {
        try {
            $this->db->call("version\0.list");
            $this->fail('a method with a NUL byte ran');
        } catch (InvalidArgument $e) {
            $this->assertSame('method', $e->getField());
        }
        try {
            new Database("{$this->dir}/a.db\0.txt");
            $this->fail('a path with a NUL byte opened');
        } catch (InvalidArgument $e) {
            $this->assertSame('path', $e->getField());
        }
        $this->assertFileDoesNotExist("{$this->dir}/a.db");
    }

    public function testRequestsThatAreNoJsonObjectAreRefused(): void
    {
        foreach ([['ticket_id', 1], ['subject' => "caf\xe9"], ['at' => INF]] as $request) {
            try {
                $this->db->call('ticket.list', $request);
                $this->fail('refused request ran: ' . var_export($request, true));
            } catch (InvalidArgument $e) {
                $this->assertSame('request', $e->getField());
                $this->assertSame('EINVAL', $e->getCodeName());
            }
        }
    }

    public function testADatabaseCannotBeCopied(): void
    {
        try {
            $copy = clone $this->db;
            $this->fail('a Database was copied');
        } catch (\LogicException) {
        }
        // The failed copy was destroyed without closing the original's handle.
        $this->assertSame(Database::libraryVersion(), $this->db->call('version')['version']);
    }
}
