<?php

declare(strict_types=1);

namespace Libcs\Tests;

use Libcs\Database;

final class MethodsTest extends LibcsTestCase
{
    public function testTheLibraryListsItsMethods(): void
    {
        $names = Database::methodNames();
        $this->assertContains('ticket.create', $names);
        $this->assertContains('sla.policy.create', $names);
        $this->assertContains('custom_field.define', $names);
        $this->assertSame(array_values(array_unique($names)), $names);
        $this->assertGreaterThan(50, count($names));
    }

    public function testCamelCaseNamesStandForDottedOnes(): void
    {
        $this->assertSame('ticketCreate', Database::camelName('ticket.create'));
        $this->assertSame('slaPolicyCreate', Database::camelName('sla.policy.create'));
        $this->assertSame('customFieldDefine', Database::camelName('custom_field.define'));
        $this->assertSame('replyChannelStats', Database::camelName('reply.channel_stats'));
        $this->assertSame('ingest', Database::camelName('ingest'));
        foreach (Database::methodNames() as $method) {
            $this->assertSame($method, Database::methodFor(Database::camelName($method)));
        }
        $this->assertNull(Database::methodFor('ticketFrobnicate'));
    }

    public function testEveryMethodIsAPhpMethod(): void
    {
        $channel = $this->webform();
        $kim = $this->db->customerCreate(name: 'Kim');
        $byArray = $this->db->ticketCreate(['subject' => 'Parcel', 'customer_id' => $kim['id']]);
        $byName = $this->db->ticketCreate(subject: 'Invoice', customer_id: $kim['id']);
        $both = $this->db->ticketCreate(['subject' => 'Both'], customer_id: $kim['id']);
        $this->assertSame([1, 2, 3], [$byArray['number'], $byName['number'], $both['number']]);
        $this->assertSame('Invoice', $this->db->call('ticket.get', ['id' => $byName['id']])['subject']);
        $this->assertSame($channel, $this->db->channelList()['channels'][0]['id']);
        $this->assertSame([], $this->db->slaPolicyList()['policies']);
        $field = $this->db->customFieldDefine(object: 'ticket', name: 'order', type: 'text');
        $this->assertSame('order', $field['name']);
    }

    public function testUnknownNamesAndStrayArgumentsAreRefused(): void
    {
        try {
            $this->db->ticketFrobnicate();
            $this->fail('an unknown method ran');
        } catch (\BadMethodCallException $e) {
            $this->assertStringContainsString('ticketFrobnicate', $e->getMessage());
        }
        $this->expectException(\ArgumentCountError::class);
        $this->db->ticketGet(['id' => 1], 2);
    }

    /** The @method lines of Database's docblock name exactly the library's methods. */
    public function testTheDocblockIsInStepWithTheLibrary(): void
    {
        $source = (string) file_get_contents(dirname(__DIR__) . '/src/Database.php');
        $this->assertSame(1, preg_match('/@generated-methods-begin(.*)@generated-methods-end/s', $source, $m));
        preg_match_all('/@method array (\w+)\(/', $m[1], $documented);
        $expected = array_map([Database::class, 'camelName'], Database::methodNames());
        sort($expected);
        $actual = $documented[1];
        sort($actual);
        $this->assertSame($expected, $actual, 'run bindings/php/bin/libcs-docblock --write');
    }

    public function testTheCatalogueNamesEveryMethod(): void
    {
        $catalogue = $this->db->catalogue();
        $names = array_column($catalogue, 'name');
        $this->assertCount(count($catalogue), $names);
        foreach (Database::methodNames() as $method) {
            $this->assertContains($method, $names);
        }
    }
}
